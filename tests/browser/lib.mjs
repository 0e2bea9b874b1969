// What the browser scripts of this folder share (chat-two-tabs.mjs, chat-resume.mjs,
// eventsource-retry.mjs): launching Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH)
// headless through playwright-core, which never downloads a browser of its own; the timeouts;
// the "step: ..." lines; the Chat page's helpers (its #status, its #log lines, its nickname form);
// and `runAndExit`, which bounds a run by 60 s, prints "FAIL: <reason>" on any failure, closes
// the browser whatever happens and exits 0 or 1.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

/** How long one step (a navigation, a wait for the page) may take. */
export const STEP_TIMEOUT_MS = 10_000;

/** How long a whole run may take. */
export const RUN_TIMEOUT_MS = 60_000;

/** How long closing the browser may take. */
export const CLOSE_TIMEOUT_MS = 10_000;

/** How long launching the browser may take. */
const LAUNCH_TIMEOUT_MS = 30_000;

/** The Chromium to drive: $CHROMIUM_PATH, or Debian's /usr/bin/chromium. */
export const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** What `runAndExit` closes: the browser or persistent context launched, and its temporary profile. */
const launched = { closeable: null, userDataDir: null };

/** Prints a step line, `step: <text>`. */
export const step = (text) => console.log(`step: ${text}`);

/** Rejects with `message` after `ms` unless `promise` settles first. */
export function within(ms, promise, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Throws "usage: <usage>" unless `url` is an http(s) URL, and a hint unless there is a Chromium
 * at `executablePath`.
 */
export function requireUrlAndChromium(url, usage) {
  if (!url || !/^https?:\/\//.test(url)) {
    throw new Error(`usage: ${usage}`);
  }

  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: run ./test.sh (it installs Debian's chromium) or set CHROMIUM_PATH`);
  }
}

/** The options every launch uses: headless, no sandbox, GPU, QUIC, first run or background traffic. */
function launchOptions() {
  return {
    executablePath,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
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
  };
}

/** Gives a browser context STEP_TIMEOUT_MS for every action and navigation. */
function setStepTimeouts(context) {
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
}

/**
 * Launches Chromium as a persistent context on a new temporary profile (its folder named
 * `<profilePrefix>XXXXXX`), prints a step line and returns the context; `runAndExit` closes it
 * and removes the profile.
 */
export async function launchPersistentContext(profilePrefix) {
  launched.userDataDir = await mkdtemp(path.join(tmpdir(), profilePrefix));
  const context = await chromium.launchPersistentContext(launched.userDataDir, launchOptions());
  launched.closeable = context;
  setStepTimeouts(context);
  step(`launched ${executablePath} (${context.browser()?.version() ?? 'persistent context'}), profile ${launched.userDataDir}`);
  return context;
}

/**
 * Launches Chromium as a browser, which can hold several separate contexts (see `newContext`),
 * prints a step line and returns it; `runAndExit` closes it.
 */
export async function launchBrowser() {
  const browser = await chromium.launch(launchOptions());
  launched.closeable = browser;
  step(`launched ${executablePath} (${browser.version()})`);
  return browser;
}

/** A new context of a browser from `launchBrowser`, with STEP_TIMEOUT_MS for every action and navigation. */
export async function newContext(browser) {
  const context = await browser.newContext();
  setStepTimeouts(context);
  return context;
}

/** Throws when the list of script errors raised in the page(s) is not empty. */
export function throwOnPageErrors(pageErrors) {
  if (pageErrors.length > 0) {
    throw new Error(`script errors in the page: ${pageErrors.join(' | ')}`);
  }
}

/**
 * Runs `run()` within RUN_TIMEOUT_MS and exits the process: 0 when it succeeded (after printing
 * `pass` on stdout, when given), 1 otherwise. On a failure it prints `FAIL: <reason>` with `log`
 * (Playwright's colours taken out) and then awaits `onFailure()`, which reports what the page
 * showed. Whatever happened it then calls `beforeClose()`, closes the browser within
 * CLOSE_TIMEOUT_MS (a failure to do so prints `<closeFailurePrefix><reason>` with `log` and exits
 * 1) and removes the temporary profile.
 */
export async function runAndExit(run, {
  pass = null,
  log = console.error,
  closeFailurePrefix = 'warning: ',
  onFailure = async () => {},
  beforeClose = () => {},
} = {}) {
  let exitCode = 1;
  try {
    await within(RUN_TIMEOUT_MS, run(), `the whole run took over ${RUN_TIMEOUT_MS / 1000} s`);
    if (pass !== null) {
      console.log(pass);
    }

    exitCode = 0;
  } catch (e) {
    // Playwright colours its call logs; the reader is a test log, not a terminal.
    log(`FAIL: ${String(e?.message ?? e).replace(/\x1b\[[0-9;]*m/g, '')}`);
    await onFailure();
  } finally {
    beforeClose();
    if (launched.closeable) {
      try {
        await within(CLOSE_TIMEOUT_MS, launched.closeable.close(), `closing the browser took over ${CLOSE_TIMEOUT_MS / 1000} s`);
      } catch (e) {
        log(`${closeFailurePrefix}${e.message}`);
        exitCode = 1;
      }
    }

    if (launched.userDataDir) {
      await rm(launched.userDataDir, { recursive: true, force: true }).catch(() => {});
    }
  }

  process.exit(exitCode);
}

// The Chat example's page (plugins/Chat/chat.html): #status, the #log list (each line an <li>
// of a class, 'message', 'info' or 'error', whose spans after the time hold its parts), the
// nickname form (#nick, #nick-form) and the message box (#msg, #msg-form).

/**
 * Waits until the tab's #status is exactly `text`; `description` names it in the failure, with
 * the status the tab shows.
 */
export async function waitForStatus(page, who, text, timeoutMs, description) {
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
export async function waitForSession(page, who) {
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
export function countLines(page, kind, parts) {
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

/**
 * Waits until the tab's log has a line of the given class whose spans (the parts after the time)
 * have exactly the given texts, e.g. ['alice', ': hello'] for alice's message "hello";
 * `description` names it in the failure.
 */
export async function waitForLine(page, who, kind, parts, description, timeoutMs = STEP_TIMEOUT_MS) {
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
export async function waitForNickChange(page, who, nick) {
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

/** What a tab shows (its status and its log), for the failure report. */
export async function describeTab(page, who) {
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

/** The Chat page's tabs of one run, one a user, and the script errors raised in them. */
export class ChatTabs {
  /** The tabs opened so far, by user ("alice", "bob"), in the order they were opened. */
  pages = {};

  /** The script errors raised in the tabs, each "<who>: <message>". */
  pageErrors = [];

  /**
   * Opens `who`'s tab in the browser context at the Chat page's `url` and checks it answered
   * 200 text/html; the step line ends with `where` (e.g. " in its own browser context").
   */
  async open(context, who, url, where = '') {
    const page = await context.newPage();
    page.on('pageerror', (e) => this.pageErrors.push(`${who}: ${e.message}`));
    this.pages[who] = page;
    const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
    const type = response?.headers()['content-type'] ?? '';
    if (!response || response.status() !== 200 || !type.startsWith('text/html')) {
      throw new Error(`${who}'s tab: GET ${url} answered ${response?.status()} ${type}, not 200 text/html`);
    }

    step(`${who}'s tab opened ${url} (${response.status()} ${type})${where}`);
    return page;
  }

  /**
   * Waits until each tab, in turn, shows "connected, session ID", printing a step line and
   * calling `shown(who, id)` for each, then checks no two tabs show the same id. Returns the ids
   * by user.
   */
  async waitForSessions(shown = () => {}) {
    const sessions = {};
    for (const [who, page] of Object.entries(this.pages)) {
      const session = await waitForSession(page, who);
      step(`${who}'s tab shows session ${session}`);
      shown(who, session);
      if (Object.values(sessions).includes(session)) {
        throw new Error(`both tabs show the same session id ${session}`);
      }

      sessions[who] = session;
    }

    return sessions;
  }

  /**
   * Each user in turn sets their nickname to their name with the Set nickname button; waits until
   * every tab shows each change, which orders the later messages after it.
   */
  async setNicknames() {
    for (const [who, page] of Object.entries(this.pages)) {
      await page.locator('#nick').fill(who);
      await page.locator('#nick-form button').click();
      // Every tab hears of the change; waiting for it in both orders the later messages after it.
      for (const [listener, listenerPage] of Object.entries(this.pages)) {
        await waitForNickChange(listenerPage, listener, who);
      }

      step(`${who} set the nickname "${who}" with the Set nickname button; both tabs show it`);
    }
  }

  /** Checks that no tab shows an error line in its log and that no script error was raised. */
  async checkNoErrors() {
    for (const [who, page] of Object.entries(this.pages)) {
      const errors = await page.locator('#log li.error').allTextContents();
      if (errors.length > 0) {
        throw new Error(`${who}'s tab shows errors: ${errors.join(' | ')}`);
      }
    }

    throwOnPageErrors(this.pageErrors);
    step('no tab shows an error line and no script error was raised');
  }

  /** Prints what each tab shows on stderr, for the failure report (`runAndExit`'s `onFailure`). */
  async describe() {
    for (const [who, page] of Object.entries(this.pages)) {
      console.error(await describeTab(page, who));
    }
  }
}
