// A real browser's EventSource, refused for being over a mount's stream limit, reconnects by
// itself and gets in once there is room.
//
// Usage: node eventsource-retry.mjs http://127.0.0.1:PORT/echo
//
// Driven by BrowserReconnectTests over stdout and stdin, one line each way at a time:
//   1. The page (any page of the same origin: the host's "/" mount listing) opens
//      `new EventSource(url)` while the test holds the mount's only stream. Once the page has seen
//      at least 2 'error' events, each with readyState CONNECTING (0), and no session-id, the
//      script prints `REFUSED-AND-RETRYING` and waits for the line `GO` on stdin.
//   2. The test frees the slot and writes `GO`; the script waits (10 s) for the page's
//      'session-id' event and prints `CONNECTED <sessionId>`.
//   3. With the browser still connected, the test checks the host's clients, sends an `echo`
//      event to that session and writes `ECHO <data>`; the script waits (10 s) for the page to get
//      it, prints `ECHOED <data>` and exits 0.
// Any timeout, end of stdin, or readyState CLOSED (2), which means the browser gave up for good,
// prints `FAIL: <reason>` with what the page saw, and exits 1.
//
// Drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) headless through playwright-core,
// exactly as chat-two-tabs.mjs does (see lib.mjs). The whole run is bounded by 60 s and the browser
// is closed whatever happens.

import { createInterface } from 'node:readline';
import {
  STEP_TIMEOUT_MS,
  launchPersistentContext,
  requireUrlAndChromium,
  runAndExit,
  step,
  throwOnPageErrors,
  within,
} from './lib.mjs';

const INPUT_TIMEOUT_MS = 30_000;
const POLL_MS = 50;

const url = process.argv[2];

let page = null;
const pageErrors = [];

// Lines from stdin, in order; `nextLine` takes the next one or fails at end of input.
const input = createInterface({ input: process.stdin, terminal: false });
const pendingLines = [];
const lineWaiters = [];
let inputEnded = false;
input.on('line', (line) => {
  const waiter = lineWaiters.shift();
  if (waiter) {
    waiter.resolve(line);
  } else {
    pendingLines.push(line);
  }
});
input.on('close', () => {
  inputEnded = true;
  for (const waiter of lineWaiters.splice(0)) {
    waiter.reject(new Error('stdin ended'));
  }
});

/** The next line of stdin, waiting up to INPUT_TIMEOUT_MS for it. */
function nextLine(expecting) {
  let line;
  if (pendingLines.length > 0) {
    line = Promise.resolve(pendingLines.shift());
  } else if (inputEnded) {
    line = Promise.reject(new Error('stdin ended'));
  } else {
    line = new Promise((resolve, reject) => lineWaiters.push({ resolve, reject }));
  }

  return within(INPUT_TIMEOUT_MS, line, `no line arrived on stdin within ${INPUT_TIMEOUT_MS / 1000} s`)
    .catch((e) => {
      throw new Error(`waiting for ${expecting} on stdin: ${e.message}`);
    });
}

/** What the page's EventSource has seen so far. */
function snapshot() {
  return page.evaluate(() => ({ readyState: window.sse.source.readyState, ...window.sse.seen }));
}

/** Formats what the page saw, for a step line or a failure report. */
function summary(seen) {
  const errors = seen.errors.map((e) => `${Math.round(e.at)} ms (readyState ${e.readyState})`).join(', ');
  return `readyState ${seen.readyState}; ${seen.opens.length} open(s); `
    + `${seen.errors.length} error(s)${errors ? `: ${errors}` : ''}; `
    + `session-id(s) [${seen.sessionIds.join(', ')}]; echo(es) [${seen.echoes.join(', ')}]`;
}

/**
 * Polls the page until `done(seen)` is true; fails at once when the EventSource is CLOSED (it
 * gave up) or `wrong(seen)` names a problem, and after `ms` with `what` in the message.
 */
async function waitUntil(what, ms, done, wrong = () => null) {
  const deadline = Date.now() + ms;
  while (true) {
    const seen = await snapshot();
    const closed = seen.readyState === 2 || seen.errors.some((e) => e.readyState === 2);
    if (closed) {
      throw new Error(`the EventSource was CLOSED (readyState 2) while waiting for ${what}: the browser gave up for good (${summary(seen)})`);
    }

    const problem = wrong(seen);
    if (problem) {
      throw new Error(`${problem} (${summary(seen)})`);
    }

    if (done(seen)) {
      return seen;
    }

    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what} (${summary(seen)})`);
    }

    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function run() {
  requireUrlAndChromium(url, 'node eventsource-retry.mjs http://HOST:PORT/echo');
  const context = await launchPersistentContext('eventsource-retry-');
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const origin = new URL(url).origin;
  const response = await page.goto(`${origin}/`, { waitUntil: 'domcontentloaded' });
  if (!response || response.status() !== 200) {
    throw new Error(`GET ${origin}/ answered ${response?.status()}, not 200`);
  }

  step(`opened ${origin}/ (${response.status()} ${response.headers()['content-type'] ?? ''})`);

  await page.evaluate((streamUrl) => {
    const seen = { errors: [], opens: [], sessionIds: [], echoes: [] };
    const source = new EventSource(streamUrl);
    source.addEventListener('open', () => seen.opens.push(performance.now()));
    source.addEventListener('error', () => seen.errors.push({ at: performance.now(), readyState: source.readyState }));
    source.addEventListener('session-id', (e) => seen.sessionIds.push(e.data));
    source.addEventListener('echo', (e) => seen.echoes.push(e.data));
    window.sse = { source, seen };
  }, url);
  step(`the page opened new EventSource(${JSON.stringify(url)})`);

  const refused = await waitUntil(
    'at least 2 error events with readyState CONNECTING (0)',
    STEP_TIMEOUT_MS,
    (seen) => seen.errors.length >= 2 && seen.errors.every((e) => e.readyState === 0),
    (seen) => (seen.sessionIds.length > 0 ? 'the page got a session-id while the mount\'s only slot was taken' : null),
  );
  step(`refused and retrying: ${summary(refused)}`);
  console.log('REFUSED-AND-RETRYING');

  const go = await nextLine('GO');
  if (go.trim() !== 'GO') {
    throw new Error(`expected GO on stdin, got ${JSON.stringify(go)}`);
  }

  step('got GO: the slot is free');
  const connected = await waitUntil('a session-id event', STEP_TIMEOUT_MS, (seen) => seen.sessionIds.length > 0);
  const sessionId = connected.sessionIds[0];
  step(`connected: ${summary(connected)}`);
  console.log(`CONNECTED ${sessionId}`);

  const echo = await nextLine('ECHO <data>');
  const match = /^ECHO (\S+)$/.exec(echo.trim());
  if (!match) {
    throw new Error(`expected "ECHO <data>" on stdin, got ${JSON.stringify(echo)}`);
  }

  const data = match[1];
  const echoed = await waitUntil(
    `an echo event with data ${data}`,
    STEP_TIMEOUT_MS,
    (seen) => seen.echoes.includes(data),
    (seen) => (seen.sessionIds.length > 1 ? 'the stream was reconnected (a second session-id) after it got in' : null),
  );
  if (echoed.readyState !== 1) {
    throw new Error(`the EventSource is not OPEN (1) after the echo (${summary(echoed)})`);
  }

  throwOnPageErrors(pageErrors);
  step(`the page got the echo on the same stream: ${summary(echoed)}`);
  console.log(`ECHOED ${data}`);
}

// FAIL lines go to stdout, with the test's own lines.
await runAndExit(run, {
  log: console.log,
  closeFailurePrefix: 'FAIL: ',
  onFailure: async () => {
    if (page) {
      try {
        console.log(`the page saw: ${summary(await within(2_000, snapshot(), 'timed out'))}`);
      } catch (e) {
        console.log(`the page could not be read (${e.message})`);
      }
    }
  },
  beforeClose: () => input.close(),
});
