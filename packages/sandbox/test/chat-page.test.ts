import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { ok } from './helpers.js';
import { TinyBot } from './tiny-bot.js';

// Debian's chromium; playwright-core never downloads a browser. `.ci/run` installs it when missing.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));

let vk: Sandbox;
let bot: TinyBot;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM} (apt-get install chromium)`);
  vk = await createSandbox({
    chat: true,
    groups: [{ name: 'Echo Bot' }],
    users: [
      { id: 1, firstName: 'Anna', lastName: 'Petrova' },
      { id: 2, firstName: 'Boris', lastName: 'Orlov' },
    ],
  });
  bot = new TinyBot(vk);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await bot?.stop();
  await vk?.close();
});

const messages = () => page.getByTestId('messages');

/** A PNG drawn by the browser itself (a gradient with a caption): the photo the user sends. */
async function drawPng(): Promise<Buffer> {
  const painter = await browser.newPage({ viewport: { width: 320, height: 200 } });
  await painter.setContent(
    '<body style="margin:0"><div style="width:320px;height:200px;background:linear-gradient(135deg,#ff9a3c,#ff4e6a);display:grid;place-items:center;font:bold 28px sans-serif;color:#fff">sunset.png</div></body>',
  );
  const png = await painter.screenshot();
  await painter.close();
  return png;
}

describe('the chat page (a browser talks to a bot through the sandbox)', () => {
  test('serves the page at / and its URL is vk.chatUrl; a sandbox without chat: true has no page', async () => {
    expect(vk.chatUrl).toBe(`${vk.url}/`);
    const response = await fetch(`${vk.url}/`);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('/_sandbox/chat/app.js');
    expect((await fetch(`${vk.url}/_sandbox/chat/app.js`)).status).toBe(200);
    expect((await fetch(`${vk.url}/_sandbox/chat/secret.txt`)).status).toBe(404);
    const plain = await createSandbox();
    try {
      expect(plain.chatUrl).toBeUndefined();
      expect((await fetch(`${plain.url}/`)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });

  test('type, press keyboard and callback buttons, send a photo, reply, react, make a chat', async () => {
    await page.goto(vk.chatUrl ?? '');
    await page.locator('body[data-ready="true"][data-feed="ready"]').waitFor();
    await expect.poll(() => page.getByTestId('user-select').inputValue()).toBe('1');

    // Typing: the bot answers with a bottom keyboard and an inline menu.
    await page.getByTestId('text').fill('hello');
    await page.getByTestId('text').press('Enter');
    await messages().getByText('Pick one:').waitFor();
    const inline = page.locator('.row', { hasText: 'Pick one:' });
    await expect.poll(() => inline.locator('.kb-button.positive').textContent()).toBe('Yes');
    await expect.poll(() => inline.locator('.kb-button.negative').textContent()).toBe('No');
    const bottom = page.getByTestId('bottom-keyboard');
    await bottom.getByText('Menu').waitFor();

    // A text button sends its label with the payload.
    await inline.getByText('Yes', { exact: true }).click();
    await messages().getByText('You said yes').waitFor();

    // A callback button: message_event, the bot's snackbar shows.
    await inline.locator('[data-type="callback"]').click();
    await page.getByTestId('snackbar').getByText('Counted: 1').waitFor();

    // The one-time bottom keyboard hides once pressed.
    await bottom.getByText('Menu').click();
    await messages().getByText('The menu again').waitFor();
    await bottom.waitFor({ state: 'hidden' });

    // A photo from the user; the bot uploads one back, served from the sandbox's upload storage.
    await page.getByTestId('photo-input').setInputFiles({
      name: 'sunset.png',
      mimeType: 'image/png',
      buffer: await drawPng(),
    });
    await messages().getByText('Nice photo! Here is mine.').waitFor();
    const photos = messages().getByTestId('photo');
    await expect.poll(() => photos.count()).toBe(2);
    const loaded = await photos.evaluateAll((images) =>
      images.map((element) => {
        const image = element as unknown as { complete: boolean; naturalWidth: number };
        return image.complete && image.naturalWidth > 0;
      }),
    );
    expect(loaded).toEqual([true, true]);

    // Reply to the bot's message and react to it.
    const cmid = await page.locator('.row', { hasText: 'You said yes' }).getAttribute('data-cmid');
    const echoTarget = page.getByTestId(`message-${cmid}`);
    await echoTarget.hover();
    await page.getByTestId(`reply-${cmid}`).click();
    await page.getByTestId('text').fill('why yes?');
    await page.getByTestId('send').click();
    const reply = page.locator('.row.own', { hasText: 'why yes?' });
    await reply.locator('.quote', { hasText: 'You said yes' }).waitFor();
    await messages().getByText('Echo: why yes?').waitFor();
    expect(vk.events().at(-2)?.object.message).toMatchObject({
      text: 'why yes?',
      reply_message: { conversation_message_id: Number(cmid) },
    });
    await echoTarget.hover();
    await page.getByTestId(`react-${cmid}`).click();
    await page.getByTestId('reaction-1').click();
    await echoTarget.locator('.reaction').waitFor();
    expect(vk.events().at(-1)).toMatchObject({
      type: 'message_reaction_event',
      object: { reacted_id: 1, cmid: Number(cmid), reaction_id: 1 },
    });

    // The bot edits and deletes its messages; a document it uploads links to its bytes.
    await page.getByTestId('text').fill('edit');
    await page.getByTestId('text').press('Enter');
    await messages().getByText('Final text').waitFor();
    expect(await messages().getByText('Draft').count()).toBe(0);
    await page.locator('.row', { hasText: 'Final text' }).locator('.edited').waitFor();
    await page.getByTestId('text').fill('delete');
    await page.getByTestId('text').press('Enter');
    await messages().getByText('Deleted it').waitFor();
    expect(await messages().getByText('Temporary').count()).toBe(0);
    await page.getByTestId('text').fill('doc');
    await page.getByTestId('text').press('Enter');
    const doc = messages().getByTestId('doc');
    await doc.waitFor();
    const href = await doc.getAttribute('href');
    expect(await (await fetch(`${vk.url}${href}`)).text()).toBe('Bot report\nall good\n');

    // Forward a message: it goes with the next one, quoted.
    const finalCmid = await page.locator('.row', { hasText: 'Final text' }).getAttribute('data-cmid');
    await page.getByTestId(`message-${finalCmid}`).hover();
    await page.getByTestId(`forward-${finalCmid}`).click();
    await expect.poll(() => page.getByTestId('compose-context').textContent()).toBe('Forwarding 1 message');
    await page.getByTestId('text').fill('see this');
    await page.getByTestId('send').click();
    await page
      .locator('.row.own', { hasText: 'see this' })
      .locator('.quote', { hasText: 'Final text' })
      .waitFor();
    await messages().getByText('Echo: see this').waitFor();

    // The press's button is no longer pending once the answer came.
    expect(await page.locator('.kb-button.pending').count()).toBe(0);
    await mkdir(OUTPUT, { recursive: true });
    await page.mouse.move(0, 0);
    await messages().evaluate((box) => {
      box.scrollTop = box.scrollHeight;
    });
    await writeFile(`${OUTPUT}chat-private.png`, await page.screenshot());

    // A group chat with another user; the bot is invited and greets.
    await page.getByTestId('new-chat').click();
    await page.locator('#chat-form input[name="title"]').fill('Weekend');
    await page.locator('#chat-form input[name="members"]').fill('2');
    await page.getByTestId('create-chat').click();
    await messages().getByText('Hi all! Write "hello" to see the menu.').waitFor();
    await expect.poll(() => page.locator('#peer-title').textContent()).toBe('Weekend');
    await page.getByTestId('text').fill('hello');
    await page.getByTestId('text').press('Enter');
    await messages().getByText('Pick one:').waitFor();
    expect(await page.locator('#peer-actions').textContent()).not.toContain('null');

    // Switch users: Boris sees the chat in his dialog list and writes in it; Anna's are left.
    await page.getByTestId('user-select').selectOption('2');
    const weekend = page.getByTestId('dialogs').getByText('Weekend');
    await weekend.click();
    await messages().getByText('Pick one:').waitFor();
    await page.getByTestId('text').fill('Count me in!');
    await page.getByTestId('text').press('Enter');
    await messages().getByText('Echo: Count me in!').waitFor();
    await expect
      .poll(() => page.locator('.row.own').allTextContents())
      .toEqual([expect.stringContaining('Count me in!')]);
    await page.locator('.row', { hasText: 'Pick one:' }).last().locator('[data-type="callback"]').click();
    await page.getByTestId('snackbar').getByText('Counted: 2').waitFor();
    // The bot's messages.setActivity shows as the typing indicator. Sent again while it does not
    // show: on a loaded machine a late event of the bot's (which ends its typing) can clear the
    // first one before a poll sees it.
    let sentAt = 0;
    const typing = async () => {
      sentAt = Date.now();
      await ok(vk, 'messages.setActivity', { peer_id: vk.chat(1).peerId, type: 'typing' });
    };
    await typing();
    await expect
      .poll(async () => {
        const status = await page.getByTestId('peer-status').textContent();
        if (status !== 'Echo Bot is typing…' && Date.now() - sentAt > 1_000) await typing();
        return status;
      })
      .toBe('Echo Bot is typing…');
    await page.mouse.move(0, 0);
    await writeFile(`${OUTPUT}chat.png`, await page.screenshot());
    expect(bot.errors).toEqual([]);
  }, 120_000);
});
