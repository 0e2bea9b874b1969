// A Chat tab whose connection drops resumes the same session and gets what it missed
// (plugins/Chat/chat.html and the host's session grace period, README "Delivery guarantees").
//
// Usage: node chat-resume.mjs http://127.0.0.1:PORT/chat
//
// The mount needs a session grace period (SessionGraceSeconds > 0, longer than the run) and no
// other chat users (BrowserResumeTests starts a host of its own): an earlier run's "bob", leaving
// when his grace period ends, would show as a leave line. Also prints "bob's session: ID", for
// the test to find the host's log lines about it. Two tabs, alice and bob, each in its own
// browser context, so that taking one offline leaves the other alone:
//   1. Both open the page and show "connected, session ID"; both set a nickname with the UI.
//   2. Bob's connection is cut: his context goes offline (every new request of his fails), and his
//      open event stream is ended by the browser (CDP Page.stopLoading). Chromium's offline
//      emulation alone does not touch a connection that is already open: the stream keeps
//      delivering, so the browser has to close it itself. The host sees the TCP connection close.
//      Bob's tab shows "reconnecting…".
//   3. While bob is away alice sends "sent while you were away" with the UI; the host's answer to
//      her post says it reached 1 stream (hers: bob's was detached), and bob's tab does not show it.
//   4. Once his page has tried to reopen its stream (?session=ID&lastEventId=...) and failed,
//      offline, bob's context goes online again. Within 15 s his tab shows "resumed, session <the
//      same ID>" and "alice: sent while you were away", replayed after the lastEventId it sent.
//   5. Alice sends "welcome back" and bob "glad to be back": both arrive, bob's under his nickname
//      (the plugin kept his session's state). Then bob's tab has alice's missed message exactly
//      once, no "missed messages" reset line; alice's tab has no "bob ... left" line and no second
//      join; no tab shows an error line or raised a script error.
//
// Drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) headless through playwright-core
// with chat-two-tabs.mjs's executable, flags and timeouts (see lib.mjs); it launches the browser
// rather than a persistent context, since a persistent context cannot hold a second, separate
// context. Prints one line per step; exits 0 when every step passed and 1, with the reason and what
// each tab showed, on any failure or timeout. The whole run is bounded by 60 s and the browser is
// closed whatever happens.

import {
  ChatTabs,
  STEP_TIMEOUT_MS,
  countLines,
  launchBrowser,
  newContext,
  requireUrlAndChromium,
  runAndExit,
  step,
  waitForLine,
  waitForStatus,
  within,
} from './lib.mjs';

const RESUME_TIMEOUT_MS = 15_000;

const MISSED = 'sent while you were away';
const WELCOME = 'welcome back';
const REPLY = 'glad to be back';

const url = process.argv[2];
const tabs = new ChatTabs();

/** The texts of the tab's join and leave lines ("NICK joined", "NICK left (REASON)"). */
function joinsAndLeaves(page) {
  return page.evaluate(() => [...document.querySelectorAll('#log li.info')]
    .map((li) => [...li.children].map((span) => span.textContent).join(''))
    .filter((text) => / joined$| left \(.*\)$/.test(text)));
}

/**
 * Sends a message with the tab's UI (text box and Enter) and returns the host's answer to the
 * page's POST, {"ok":true,"delivered":N}, N being the streams the message was queued for.
 */
async function send(page, who, text) {
  const answered = page.waitForResponse(
    (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === new URL(url).pathname,
    { timeout: STEP_TIMEOUT_MS },
  );
  await page.locator('#msg').fill(text);
  await page.locator('#msg').press('Enter');
  let response;
  try {
    response = await answered;
  } catch {
    throw new Error(`${who}'s tab did not post "${text}" within ${STEP_TIMEOUT_MS / 1000} s`);
  }

  const body = await response.text();
  if (response.status() !== 200) {
    throw new Error(`the host answered ${who}'s post of "${text}" with ${response.status()}: ${body}`);
  }

  return JSON.parse(body);
}

async function run() {
  requireUrlAndChromium(url, 'node chat-resume.mjs http://HOST:PORT/chat');
  const browser = await launchBrowser();
  const contexts = {};
  for (const who of ['alice', 'bob']) {
    const context = await newContext(browser);
    contexts[who] = context;
    await tabs.open(context, who, url, ' in its own browser context');
  }

  // The test finds the host's log lines about bob's session by this line.
  const { bob: bobSession } = await tabs.waitForSessions((who, session) => {
    if (who === 'bob') {
      console.log(`bob's session: ${session}`);
    }
  });
  await tabs.setNicknames();

  const { alice, bob } = tabs.pages;
  const aliceJoinsBefore = await joinsAndLeaves(alice);

  // Bob's attempts to reopen his stream: requests that name his session.
  const resumeRequests = [];
  const resumeFailures = [];
  const namesBobsSession = (request) => new URL(request.url()).searchParams.get('session') === bobSession;
  bob.on('request', (request) => {
    if (namesBobsSession(request)) {
      resumeRequests.push(request);
    }
  });
  bob.on('requestfailed', (request) => {
    if (namesBobsSession(request)) {
      resumeFailures.push(`${request.url()} (${request.failure()?.errorText})`);
    }
  });

  // Offline emulation fails every new request of bob's context (his page's reconnects) but leaves
  // the stream that is already open alone, so the browser ends that one itself: Page.stopLoading
  // cancels the page's loads, the EventSource among them, and Chromium closes its connection.
  await contexts.bob.setOffline(true);
  const probe = await bob.evaluate(() => fetch(location.href, { cache: 'no-store' }).then((r) => `answered ${r.status}`, (e) => `failed (${e.message})`));
  if (!probe.startsWith('failed')) {
    throw new Error(`bob's context is meant to be offline, but a fetch from his tab ${probe}`);
  }

  step(`bob's browser context is offline: a fetch from his tab ${probe}`);
  const cdp = await contexts.bob.newCDPSession(bob);
  await cdp.send('Page.stopLoading');
  await cdp.detach();
  await waitForStatus(bob, 'bob', 'reconnecting…', STEP_TIMEOUT_MS, '"reconnecting…" once his stream was cut');
  step('bob\'s open stream was ended by his browser (CDP Page.stopLoading); his tab shows "reconnecting…"');

  // The browser shows "reconnecting…" as soon as it drops the stream; the host notices the closed
  // connection a moment later. Wait for that (its client list says bob is away) before alice sends.
  const clientsUrl = new URL(`/_host/clients${new URL(url).pathname}`, url);
  await within(STEP_TIMEOUT_MS, (async () => {
    for (;;) {
      const clients = await (await fetch(clientsUrl)).json();
      if (clients.some((c) => c.session === bobSession && c.connected === false)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })(), `the host did not see bob's stream close within ${STEP_TIMEOUT_MS / 1000} s`);
  step('the host sees bob away (GET /_host/clients)');

  const missed = await send(alice, 'alice', MISSED);
  if (missed.delivered !== 1) {
    throw new Error(`alice's "${MISSED}" was queued for ${missed.delivered} streams, not 1 (hers alone): the host still had bob's cut stream attached`);
  }

  await waitForLine(alice, 'alice', 'message', ['alice', `: ${MISSED}`], `her own "alice: ${MISSED}"`);
  if (await countLines(bob, 'message', ['alice', `: ${MISSED}`]) !== 0) {
    throw new Error(`bob's tab shows "alice: ${MISSED}" while he is offline`);
  }

  const statusWhileAway = await bob.locator('#status').textContent();
  if (statusWhileAway !== 'reconnecting…') {
    throw new Error(`bob's tab shows "${statusWhileAway}" while he is offline, not "reconnecting…"`);
  }

  step(`while bob is offline alice sent "${MISSED}" with Enter: the host queued it for 1 stream (hers), her tab shows it, bob's does not`);

  // The page reopens its stream 2 s after the drop; offline, that fails, and the browser's
  // EventSource goes on retrying by itself.
  try {
    await bob.waitForEvent('requestfailed', { predicate: namesBobsSession, timeout: STEP_TIMEOUT_MS });
  } catch {
    throw new Error(`bob's tab made no failed attempt to reopen its stream with ?session=${bobSession} within ${STEP_TIMEOUT_MS / 1000} s of going offline`);
  }

  step(`bob's tab tried to reopen its stream while offline and failed: ${resumeFailures[0]}`);

  const offlineAt = Date.now();
  await contexts.bob.setOffline(false);
  step('bob\'s browser context is online again');
  // The page shows "resumed, session ID" when the host gave it its session back, and
  // "connected, session ID" for a new one: either ends the wait.
  try {
    await bob.waitForFunction(
      () => /^(resumed|connected), session \S+$/.test(document.getElementById('status')?.textContent ?? ''),
      null,
      { timeout: RESUME_TIMEOUT_MS },
    );
  } catch {
    const shown = await bob.locator('#status').textContent().catch(() => '(unreadable)');
    throw new Error(`bob's tab did not show "resumed, session ${bobSession}" within ${RESUME_TIMEOUT_MS / 1000} s of going online; its status is "${shown}"`);
  }

  const statusBack = await bob.locator('#status').textContent();
  if (statusBack !== `resumed, session ${bobSession}`) {
    throw new Error(`bob's tab shows "${statusBack}", not "resumed, session ${bobSession}": it did not get its session back`);
  }

  step(`bob's tab shows "resumed, session ${bobSession}" ${((Date.now() - offlineAt) / 1000).toFixed(1)} s after going online`);
  await waitForLine(bob, 'bob', 'message', ['alice', `: ${MISSED}`], `the missed "alice: ${MISSED}"`, RESUME_TIMEOUT_MS);
  const resumedWith = resumeRequests.at(-1)?.url() ?? '(none seen)';
  const lastEventId = resumeRequests.length > 0 ? new URL(resumedWith).searchParams.get('lastEventId') : null;
  if (!lastEventId) {
    throw new Error(`bob's tab resumed with ${resumedWith}, which names no lastEventId`);
  }

  step(`bob's tab shows the missed "alice: ${MISSED}"; it reopened its stream ${resumeRequests.length} time(s), last with ${resumedWith}`);

  // Events arrive in order: once bob has a later message, any duplicate of the missed one would
  // have arrived before it.
  await send(alice, 'alice', WELCOME);
  await waitForLine(bob, 'bob', 'message', ['alice', `: ${WELCOME}`], `"alice: ${WELCOME}"`);
  step(`alice sent "${WELCOME}"; bob's resumed stream delivers it live`);
  await send(bob, 'bob', REPLY);
  await waitForLine(alice, 'alice', 'message', ['bob', `: ${REPLY}`], `"bob: ${REPLY}" (under his nickname, kept by his session)`);
  await waitForLine(bob, 'bob', 'message', ['bob', `: ${REPLY}`], `his own "bob: ${REPLY}"`);
  step(`bob sent "${REPLY}" with his resumed session; both tabs show it under his nickname "bob"`);

  const copies = await countLines(bob, 'message', ['alice', `: ${MISSED}`]);
  if (copies !== 1) {
    throw new Error(`bob's tab shows "alice: ${MISSED}" ${copies} times, not once`);
  }

  const resets = await bob.locator('#log li.info', { hasText: 'some messages were missed' }).count();
  if (resets !== 0) {
    throw new Error('bob\'s tab says "some messages were missed while disconnected": the host sent a reset instead of the replay');
  }

  step(`bob's tab shows "alice: ${MISSED}" exactly once and no reset line`);

  const aliceJoinsAfter = await joinsAndLeaves(alice);
  const bobLeft = aliceJoinsAfter.filter((text) => /^bob left /.test(text));
  if (bobLeft.length > 0) {
    throw new Error(`alice's tab shows "${bobLeft.join('", "')}": bob's session ended instead of being resumed`);
  }

  const news = aliceJoinsAfter.slice(aliceJoinsBefore.length);
  if (news.length > 0) {
    throw new Error(`alice's tab shows join or leave lines since the drop: "${news.join('", "')}"; a resumed session neither leaves nor joins again`);
  }

  step('alice\'s tab shows no "bob ... left" line and no join or leave since the drop');

  await tabs.checkNoErrors();
}

await runAndExit(run, {
  pass: 'PASS: bob\'s tab resumed its session after its connection dropped and got what it missed, once',
  onFailure: () => tabs.describe(),
});
