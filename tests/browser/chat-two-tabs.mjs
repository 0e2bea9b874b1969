// Two real browser tabs chat through the Chat example's page (plugins/Chat/chat.html).
//
// Usage: node chat-two-tabs.mjs http://127.0.0.1:PORT/chat
//
// Drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) headless through playwright-core,
// which never downloads a browser of its own (see lib.mjs). Prints one line per step; exits 0 when
// every step passed and 1, with the reason and what each tab showed, on any failure or timeout. The
// whole run is bounded by 60 s and the browser is closed whatever happens.

import {
  ChatTabs,
  STEP_TIMEOUT_MS,
  launchPersistentContext,
  requireUrlAndChromium,
  runAndExit,
  step,
  waitForLine,
} from './lib.mjs';

const url = process.argv[2];
const tabs = new ChatTabs();

/** Waits until the message box is empty again (the page clears it once the server took the message). */
async function waitForEmptyMessageBox(page, who) {
  try {
    await page.waitForFunction(() => document.getElementById('msg').value === '', null, { timeout: STEP_TIMEOUT_MS });
  } catch {
    throw new Error(`${who}'s message box was not cleared after sending within ${STEP_TIMEOUT_MS / 1000} s`);
  }
}

async function run() {
  requireUrlAndChromium(url, 'node chat-two-tabs.mjs http://HOST:PORT/chat');
  const context = await launchPersistentContext('chat-two-tabs-');
  for (const who of ['alice', 'bob']) {
    await tabs.open(context, who, url);
  }

  await tabs.waitForSessions();
  await tabs.setNicknames();

  const { alice, bob } = tabs.pages;
  await alice.locator('#msg').fill('hello bob');
  await alice.locator('#msg').press('Enter');
  await waitForLine(bob, 'bob', 'message', ['alice', ': hello bob'], '"alice: hello bob"');
  step('alice sent "hello bob" with Enter; bob\'s tab shows "alice: hello bob"');
  await waitForLine(alice, 'alice', 'message', ['alice', ': hello bob'], 'her own "alice: hello bob"');
  await waitForEmptyMessageBox(alice, 'alice');
  step('alice\'s tab shows her own message too and her message box is empty again');

  await bob.locator('#msg').fill('hi alice');
  await bob.locator('#msg-form button').click();
  await waitForLine(alice, 'alice', 'message', ['bob', ': hi alice'], '"bob: hi alice"');
  step('bob replied "hi alice" with the Send button; alice\'s tab shows "bob: hi alice"');
  await waitForEmptyMessageBox(bob, 'bob');

  const markup = '<b>x</b>';
  await alice.locator('#msg').fill(markup);
  await alice.locator('#msg').press('Enter');
  for (const [who, page] of Object.entries(tabs.pages)) {
    await waitForLine(page, who, 'message', ['alice', `: ${markup}`], `"alice: ${markup}" as text`);
    const bold = await page.locator('#log b').count();
    if (bold !== 0) {
      throw new Error(`${who}'s tab made ${bold} <b> element(s) out of the message ${markup}: it must show it as text`);
    }

    const shown = await page.locator('#log li.message').last().innerText();
    if (!shown.endsWith(`alice: ${markup}`)) {
      throw new Error(`${who}'s tab shows "${shown}", not the literal text "alice: ${markup}"`);
    }
  }

  step(`alice sent "${markup}"; both tabs show it literally as text, and no tab has a <b> element`);

  await tabs.checkNoErrors();
}

await runAndExit(run, {
  pass: 'PASS: two tabs chatted through the Chat page',
  onFailure: () => tabs.describe(),
});
