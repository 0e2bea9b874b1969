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
// with chat-two-tabs.mjs's executable, flags and timeouts; it launches the browser rather than a
// persistent context, since a persistent context cannot hold a second, separate context. Prints
// one line per step; exits 0 when every step passed and 1, with the reason and what each tab
// showed, on any failure or timeout. The whole run is bounded by 60 s and the browser is closed
// whatever happens.

import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const STEP_TIMEOUT_MS = 10_000;
const RESUME_TIMEOUT_MS = 15_000;
const RUN_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 10_000;

const MISSED = 'sent while you were away';
const WELCOME = 'welcome back';
const REPLY = 'glad to be back';

const url = process.argv[2];
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let browser = null;
const pageErrors = [];

const step = (text) => console.log(`step: ${text}`);

/** Rejects with `message` after `ms` unless `promise` settles first. */
function within(ms, promise, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits until the tab's #status is exactly `text`; `description` names it in the failure. */
async function waitForStatus(page, who, text, timeoutMs, description) {
  try {
    await page.waitForFunction(
      (text) => document.getElementById('status')?.textContent === text,
      text,
      { timeout: timeoutMs },
    );
  } catch {
    const shown = await page.locator('#status').textContent().catch(() => '(unreadable)');
    throw new Error(`${who}'s tab did not show ${description} within ${timeoutMs / 1000} s; its status is "${shown}"`);
  }
}

/** Waits until the tab shows "connected, session ID" and returns the id. */
async function waitForSession(page, who) {
  try {
    await page.waitForFunction(
      () => /^connected, session \S+$/.test(document.getElementById('status')?.textContent ?? ''),
      null,
      { timeout: STEP_TIMEOUT_MS },
    );
  } catch {
    throw new Error(`${who}'s tab did not show its session id within ${STEP_TIMEOUT_MS / 1000} s`);
  }

  const status = await page.locator('#status').textContent();
  return status.slice('connected, session '.length);
}

/** How many of the tab's log lines have the class and exactly these span texts (the parts after the time). */
function countLines(page, kind, parts) {
  return page.evaluate(
    ({ kind, parts }) => [...document.querySelectorAll('#log li')].filter((li) => {
      const spans = [...li.children];
      return li.classList.contains(kind)
        && spans.length === parts.length
        && spans.every((span, i) => span.tagName === 'SPAN' && span.textContent === parts[i]);
    }).length,
    { kind, parts },
  );
}

/** Waits until the tab's log has a line of the class whose spans have exactly the given texts. */
async function waitForLine(page, who, kind, parts, description, timeoutMs = STEP_TIMEOUT_MS) {
  try {
    await page.waitForFunction(
      ({ kind, parts }) => [...document.querySelectorAll('#log li')].some((li) => {
        const spans = [...li.children];
        return li.classList.contains(kind)
          && spans.length === parts.length
          && spans.every((span, i) => span.tagName === 'SPAN' && span.textContent === parts[i]);
      }),
      { kind, parts },
      { timeout: timeoutMs },
    );
  } catch {
    throw new Error(`${who}'s tab did not show ${description} within ${timeoutMs / 1000} s`);
  }
}

/** Waits until a nickname change to `nick` shows in the tab (old nickname, " is now ", nick). */
async function waitForNickChange(page, who, nick) {
  try {
    await page.waitForFunction(
      (nick) => [...document.querySelectorAll('#log li.info')].some((li) => {
        const spans = [...li.children];
        return spans.length === 3 && spans[1].textContent === ' is now ' && spans[2].textContent === nick;
      }),
      nick,
      { timeout: STEP_TIMEOUT_MS },
    );
  } catch {
    throw new Error(`${who}'s tab did not show "... is now ${nick}" within ${STEP_TIMEOUT_MS / 1000} s`);
  }
}

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

/** What a tab shows, for the failure report. */
async function describe(page, who) {
  try {
    const shown = await within(2_000, page.evaluate(() => ({
      status: document.getElementById('status')?.textContent ?? '(no #status)',
      log: [...document.querySelectorAll('#log li')].map((li) => `[${li.className}] ${li.textContent}`),
    })), 'timed out');
    return [`${who}'s tab: status "${shown.status}"`, ...shown.log.map((line) => `  ${line}`)].join('\n');
  } catch (e) {
    return `${who}'s tab: could not be read (${e.message})`;
  }
}

async function run(pages) {
  if (!url || !/^https?:\/\//.test(url)) {
    throw new Error('usage: node chat-resume.mjs http://HOST:PORT/chat');
  }

  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: run ./test.sh (it installs Debian's chromium) or set CHROMIUM_PATH`);
  }

  browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  step(`launched ${executablePath} (${browser.version()})`);

  const contexts = {};
  for (const who of ['alice', 'bob']) {
    const context = await browser.newContext();
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    contexts[who] = context;
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
    pages[who] = page;
    const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
    const type = response?.headers()['content-type'] ?? '';
    if (!response || response.status() !== 200 || !type.startsWith('text/html')) {
      throw new Error(`${who}'s tab: GET ${url} answered ${response?.status()} ${type}, not 200 text/html`);
    }

    step(`${who}'s tab opened ${url} (${response.status()} ${type}) in its own browser context`);
  }

  const { alice, bob } = pages;
  const aliceSession = await waitForSession(alice, 'alice');
  step(`alice's tab shows session ${aliceSession}`);
  const bobSession = await waitForSession(bob, 'bob');
  step(`bob's tab shows session ${bobSession}`);
  console.log(`bob's session: ${bobSession}`);
  if (aliceSession === bobSession) {
    throw new Error(`both tabs show the same session id ${aliceSession}`);
  }

  for (const [who, page] of Object.entries(pages)) {
    await page.locator('#nick').fill(who);
    await page.locator('#nick-form button').click();
    // Every tab hears of the change; waiting for it in both orders the later messages after it.
    await waitForNickChange(alice, 'alice', who);
    await waitForNickChange(bob, 'bob', who);
    step(`${who} set the nickname "${who}" with the Set nickname button; both tabs show it`);
  }

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

  for (const [who, page] of Object.entries(pages)) {
    const errors = await page.locator('#log li.error').allTextContents();
    if (errors.length > 0) {
      throw new Error(`${who}'s tab shows errors: ${errors.join(' | ')}`);
    }
  }

  if (pageErrors.length > 0) {
    throw new Error(`script errors in the page: ${pageErrors.join(' | ')}`);
  }

  step('no tab shows an error line and no script error was raised');
}

const pages = {};
let exitCode = 1;
try {
  await within(RUN_TIMEOUT_MS, run(pages), `the whole run took over ${RUN_TIMEOUT_MS / 1000} s`);
  console.log('PASS: bob\'s tab resumed its session after its connection dropped and got what it missed, once');
  exitCode = 0;
} catch (e) {
  // Playwright colours its call logs; the reader is a test log, not a terminal.
  console.error(`FAIL: ${String(e?.message ?? e).replace(/\x1b\[[0-9;]*m/g, '')}`);
  for (const [who, page] of Object.entries(pages)) {
    console.error(await describe(page, who));
  }
} finally {
  if (browser) {
    try {
      await within(CLOSE_TIMEOUT_MS, browser.close(), `closing the browser took over ${CLOSE_TIMEOUT_MS / 1000} s`);
    } catch (e) {
      console.error(`warning: ${e.message}`);
      exitCode = 1;
    }
  }
}

process.exit(exitCode);
