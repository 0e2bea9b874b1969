// A real browser's EventSource on a page of another origin: what CORS lets through and what it
// does not, with and without credentials, and a cross-origin reconnect with Last-Event-ID.
//
// Usage: node eventsource-cors.mjs PAGE_PORT HOST_BASE_URL TOKEN
//
// The script serves a blank page itself on http://127.0.0.1:PAGE_PORT (another origin than the
// host's, which is HOST_BASE_URL, e.g. http://127.0.0.1:PORT), gives the browser the cookie
// sse_token=TOKEN for the host, and from that page:
//   1. opens new EventSource(HOST/shared) (a mount whose Cors lists the page's origin) and waits
//      for its session-id: prints `ALLOWED <sessionId>`;
//   2. opens new EventSource(HOST/private) (a mount without Cors): the browser must give up
//      (readyState CLOSED) without a session-id: prints `REFUSED-OTHER-ORIGIN`;
//   3. opens new EventSource(HOST/secure, { withCredentials: true }) (a JWT mount taking the
//      token from the cookie, whose Cors allows credentials): prints `CREDENTIALED <user>` with
//      the user the plugin saw;
//   4. opens new EventSource(HOST/secure) without credentials: no cookie goes, so 401 and the
//      browser gives up: prints `REFUSED-WITHOUT-CREDENTIALS`;
//   5. on the /shared stream: has an event n=1 broadcast (a cross-origin fetch to the mount),
//      has its own session dropped, and once the browser is waiting to reconnect (the mount's
//      retry is long), has n=2 broadcast; the browser's own reconnect carries Last-Event-ID and
//      gets n=2 in a new session, by replay: prints
//      `RECONNECTED <newSessionId> GOT 2 AFTER <id of n=1> REPLAYED` (LIVE instead when the
//      broadcast came after the reconnect, which the test counts as a failure).
// Then it prints `PASS` and exits 0. Any timeout or surprise prints `FAIL: <reason>` and exits 1.
//
// Drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) headless through playwright-core
// (see lib.mjs). The whole run is bounded by 60 s; the browser and the page server are closed
// whatever happens.

import { createServer } from 'node:http';
import {
  STEP_TIMEOUT_MS,
  launchBrowser,
  newContext,
  runAndExit,
  step,
  throwOnPageErrors,
} from './lib.mjs';

const [pagePort, hostBase, token] = process.argv.slice(2);
const pageErrors = [];
let server = null;

async function run() {
  if (!pagePort || !/^https?:\/\//.test(hostBase ?? '') || !token) {
    throw new Error('usage: node eventsource-cors.mjs PAGE_PORT HOST_BASE_URL TOKEN');
  }

  server = createServer((_, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>another origin</title><p>a page of another origin</p>');
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(Number(pagePort), '127.0.0.1', resolve));
  const pageUrl = `http://127.0.0.1:${pagePort}/`;
  step(`serving the page at ${pageUrl}; the host is ${hostBase}`);

  const browser = await launchBrowser();
  const context = await newContext(browser);
  await context.addCookies([{ name: 'sse_token', value: token, url: hostBase }]);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(pageUrl);

  const result = await page.evaluate(async ({ base, timeoutMs }) => {
    const lines = [];

    // Resolves with the data of the first `type` event, or rejects after the timeout or when the browser gives up.
    function first(source, type) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} event from ${source.url} within ${timeoutMs} ms (readyState ${source.readyState})`)), timeoutMs);
        source.addEventListener(type, (e) => { clearTimeout(timer); resolve(e); }, { once: true });
        source.addEventListener('error', () => {
          if (source.readyState === EventSource.CLOSED) {
            clearTimeout(timer);
            reject(new Error(`the browser gave up on ${source.url} before a ${type} event`));
          }
        });
      });
    }

    // Resolves once the browser gives up for good (readyState CLOSED) without a session-id.
    function givesUp(source) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the browser did not give up on ${source.url} within ${timeoutMs} ms`)), timeoutMs);
        source.addEventListener('session-id', (e) => { clearTimeout(timer); reject(new Error(`${source.url} opened a session (${e.data})`)); });
        source.addEventListener('error', () => {
          if (source.readyState === EventSource.CLOSED) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    }

    const shared = new EventSource(`${base}/shared`);
    const sessionId = (await first(shared, 'session-id')).data;
    lines.push(`ALLOWED ${sessionId}`);

    const other = new EventSource(`${base}/private`);
    await givesUp(other);
    other.close();
    lines.push('REFUSED-OTHER-ORIGIN');

    const withCookie = new EventSource(`${base}/secure`, { withCredentials: true });
    const user = (await first(withCookie, 'user')).data;
    withCookie.close();
    lines.push(`CREDENTIALED ${user}`);

    const withoutCookie = new EventSource(`${base}/secure`);
    await givesUp(withoutCookie);
    withoutCookie.close();
    lines.push('REFUSED-WITHOUT-CREDENTIALS');

    // A cross-origin reconnect: the browser sends Last-Event-ID, which needs a preflight. A
    // second stream's session sends the broadcasts, since the first one's is dropped.
    const helper = new EventSource(`${base}/shared`);
    const helperId = (await first(helper, 'session-id')).data;
    const one = first(shared, 'n');
    await fetch(`${base}/shared?session=${helperId}&broadcast=1&event=n&data=1`);
    const lastId = (await one).lastEventId;
    const reconnecting = new Promise((resolve) => shared.addEventListener('error', () => {
      if (shared.readyState === EventSource.CONNECTING) {
        resolve();
      }
    }));
    let reconnected = false;
    const newSession = new Promise((resolve) => shared.addEventListener('session-id', (e) => { reconnected = true; resolve(e.data); }));
    await fetch(`${base}/shared?session=${sessionId}&drop=1`);
    await reconnecting;
    const two = first(shared, 'n');
    const answer = await fetch(`${base}/shared?session=${helperId}&broadcast=1&event=n&data=2`);
    // Broadcast while the browser waits to reconnect: the new stream gets it only by replay,
    // that is when the reconnect carried Last-Event-ID.
    const whileAway = !reconnected;
    const got = await two;
    const reconnectedAs = await newSession;
    lines.push(`RECONNECTED ${reconnectedAs} GOT ${got.data} AFTER ${lastId}${whileAway ? ' REPLAYED' : ' LIVE'}${answer.ok ? '' : ' (broadcast answered ' + answer.status + ')'}`);
    shared.close();
    helper.close();
    return lines;
  }, { base: hostBase, timeoutMs: STEP_TIMEOUT_MS });

  for (const line of result) {
    console.log(line);
  }

  throwOnPageErrors(pageErrors);
}

await runAndExit(run, {
  pass: 'PASS',
  beforeClose: () => server?.close(),
});
