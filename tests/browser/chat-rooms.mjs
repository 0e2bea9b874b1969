// Three real browser tabs in two rooms of the Chat example's page (plugins/Chat/chat.html):
// alice and bob open it with ?room=den, carol without a room (the lobby). What is said in a room
// reaches that room's tabs only, and a tab that goes to another room with the page's own room
// form hears that room from then on.
//
// Usage: node chat-rooms.mjs http://127.0.0.1:PORT/chat
//
// Drives Debian's Chromium headless through playwright-core (see lib.mjs). Prints one line per
// step; exits 0 when every step passed and 1, with the reason and what each tab showed, on any
// failure or timeout. The whole run is bounded by 60 s and the browser is closed whatever happens.

import {
  ChatTabs,
  launchPersistentContext,
  requireUrlAndChromium,
  runAndExit,
  step,
  waitForLine,
  waitForSession,
} from './lib.mjs';

const url = process.argv[2];
const tabs = new ChatTabs();

/** Says `text` from `who`'s tab with the Enter key. */
async function say(page, text) {
  await page.locator('#msg').fill(text);
  await page.locator('#msg').press('Enter');
}

/** The texts of the message lines a tab shows. */
const messages = (page) => page.locator('#log li.message').allInnerTexts();

async function run() {
  requireUrlAndChromium(url, 'node chat-rooms.mjs http://HOST:PORT/chat');
  const context = await launchPersistentContext('chat-rooms-');
  await tabs.open(context, 'alice', `${url}?room=den`);
  await tabs.open(context, 'bob', `${url}?room=den`);
  await tabs.open(context, 'carol', url);
  const sessions = await tabs.waitForSessions();
  const nick = (who) => `guest-${sessions[who].slice(0, 6)}`;
  const { alice, bob, carol } = tabs.pages;
  for (const [who, page, room] of [['alice', alice, '#den'], ['bob', bob, '#den'], ['carol', carol, '#lobby']]) {
    const shown = await page.locator('#room-name').textContent();
    if (shown !== room) throw new Error(`${who}'s tab shows room "${shown}", not "${room}"`);
  }

  step('alice and bob are in #den, carol in #lobby');

  await say(alice, 'hello den');
  await waitForLine(bob, 'bob', 'message', [nick('alice'), ': hello den'], '"hello den" from alice');
  await say(carol, 'hello lobby');
  await waitForLine(carol, 'carol', 'message', [nick('carol'), ': hello lobby'], 'her own "hello lobby"');

  // carol's own message came after alice's: had alice's reached the lobby, carol would show it by now.
  const carolSaw = await messages(carol);
  if (carolSaw.some((m) => m.endsWith('hello den'))) throw new Error(`carol's tab in #lobby shows den's message: ${carolSaw.join(' | ')}`);
  await say(bob, 'still den');
  await waitForLine(alice, 'alice', 'message', [nick('bob'), ': still den'], '"still den" from bob');
  const aliceSaw = await messages(alice);
  if (aliceSaw.some((m) => m.endsWith('hello lobby'))) throw new Error(`alice's tab in #den shows the lobby's message: ${aliceSaw.join(' | ')}`);
  step('"hello den" reached bob and not carol; "hello lobby" reached carol and not alice');

  await carol.locator('#room').fill('den');
  await carol.locator('#room-form button').click();
  await carol.waitForURL(/\?room=den$/);
  const carolInDen = await waitForSession(carol, 'carol');
  const roomShown = await carol.locator('#room-name').textContent();
  if (roomShown !== '#den') throw new Error(`after the room form, carol's tab shows room "${roomShown}", not "#den"`);
  step(`carol went to #den with the room form (session ${carolInDen})`);

  await say(alice, 'welcome carol');
  await waitForLine(carol, 'carol', 'message', [nick('alice'), ': welcome carol'], '"welcome carol" from alice');
  step('alice\'s "welcome carol" in #den reached carol, now in #den');

  await tabs.checkNoErrors();
}

await runAndExit(run, {
  pass: 'PASS: three tabs chatted in two rooms of the Chat page',
  onFailure: () => tabs.describe(),
});
