// Two real browser tabs chat through the Chat example's page (plugins/Chat/chat.html).
//
// Usage: node chat-two-tabs.mjs http://127.0.0.1:PORT/chat
//
// Drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) headless through playwright-core,
// which never downloads a browser of its own. Prints one line per step; exits 0 when every step
// passed and 1, with the reason and what each tab showed, on any failure or timeout. The whole run
// is bounded by 60 s and the browser is closed whatever happens.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const STEP_TIMEOUT_MS = 10_000;
const RUN_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 10_000;

const url = process.argv[2];
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let context = null;
let userDataDir = null;
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

/**
 * Waits until the tab's log has a line of the given class whose spans (the parts after the time)
 * have exactly the given texts, e.g. ['alice', ': hello'] for alice's message "hello".
 */
async function waitForLine(page, who, kind, parts, description) {
  try {
    await page.waitForFunction(
      ({ kind, parts }) => [...document.querySelectorAll('#log li')].some((li) => {
        const spans = [...li.children];
        return li.classList.contains(kind)
          && spans.length === parts.length
          && spans.every((span, i) => span.tagName === 'SPAN' && span.textContent === parts[i]);
      }),
      { kind, parts },
      { timeout: STEP_TIMEOUT_MS },
    );
  } catch {
    throw new Error(`${who}'s tab did not show ${description} within ${STEP_TIMEOUT_MS / 1000} s`);
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

/** Waits until the message box is empty again (the page clears it once the server took the message). */
async function waitForEmptyMessageBox(page, who) {
  try {
    await page.waitForFunction(() => document.getElementById('msg').value === '', null, { timeout: STEP_TIMEOUT_MS });
  } catch {
    throw new Error(`${who}'s message box was not cleared after sending within ${STEP_TIMEOUT_MS / 1000} s`);
  }
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
    throw new Error('usage: node chat-two-tabs.mjs http://HOST:PORT/chat');
  }

  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: run ./test.sh (it installs Debian's chromium) or set CHROMIUM_PATH`);
  }

  userDataDir = await mkdtemp(path.join(tmpdir(), 'chat-two-tabs-'));
  context = await chromium.launchPersistentContext(userDataDir, {
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
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  step(`launched ${executablePath} (${context.browser()?.version() ?? 'persistent context'}), profile ${userDataDir}`);

  for (const who of ['alice', 'bob']) {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
    pages[who] = page;
    const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
    const type = response?.headers()['content-type'] ?? '';
    if (!response || response.status() !== 200 || !type.startsWith('text/html')) {
      throw new Error(`${who}'s tab: GET ${url} answered ${response?.status()} ${type}, not 200 text/html`);
    }

    step(`${who}'s tab opened ${url} (${response.status()} ${type})`);
  }

  const { alice, bob } = pages;
  const aliceSession = await waitForSession(alice, 'alice');
  step(`alice's tab shows session ${aliceSession}`);
  const bobSession = await waitForSession(bob, 'bob');
  step(`bob's tab shows session ${bobSession}`);
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
  for (const [who, page] of Object.entries(pages)) {
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
  console.log('PASS: two tabs chatted through the Chat page');
  exitCode = 0;
} catch (e) {
  // Playwright colours its call logs; the reader is a test log, not a terminal.
  console.error(`FAIL: ${String(e?.message ?? e).replace(/\x1b\[[0-9;]*m/g, '')}`);
  for (const [who, page] of Object.entries(pages)) {
    console.error(await describe(page, who));
  }
} finally {
  if (context) {
    try {
      await within(CLOSE_TIMEOUT_MS, context.close(), `closing the browser took over ${CLOSE_TIMEOUT_MS / 1000} s`);
    } catch (e) {
      console.error(`warning: ${e.message}`);
      exitCode = 1;
    }
  }

  if (userDataDir) {
    await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
  }
}

process.exit(exitCode);
