// The example bot in a real browser: the sandbox's chat page (Debian's chromium, never a
// downloaded one), as a newcomer meets it after `pnpm start`.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createExampleBot } from '../src/bot.js';
import type { ExampleBot } from '../src/context.js';
import { gradientPng } from '../src/png.js';
import { memoryLogger } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));

let vk: Sandbox;
let bot: ExampleBot;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM} (apt-get install chromium)`);
  vk = await createSandbox({
    chat: true,
    rateLimit: false,
    groups: [{ name: 'vkwire example' }],
    users: [{ id: 1, firstName: 'Anna', lastName: 'Petrova' }],
  });
  bot = createExampleBot({ token: vk.group.token, apiUrl: vk.apiUrl, logger: memoryLogger().logger });
  await bot.start();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await bot?.stop();
  await vk?.close();
});

async function say(text: string): Promise<void> {
  await page.getByTestId('text').fill(text);
  await page.getByTestId('text').press('Enter');
}

test('help, a keyboard button, a callback button and its snackbar, the registration scene, a photo', async () => {
  const messages = page.getByTestId('messages');
  await page.goto(vk.chatUrl ?? '');
  await page.locator('body[data-ready="true"][data-feed="ready"]').waitFor();
  await expect.poll(() => page.getByTestId('user-select').inputValue()).toBe('1');
  await page.getByTestId('dialogs').getByText('vkwire example').click();

  await say('/help');
  await messages.getByText('/sum', { exact: false }).first().waitFor();

  await say('/keyboard');
  await messages.getByText('Press a button.').waitFor();
  await page.getByTestId('bottom-keyboard').getByText('🕒 Time').click();
  await messages.getByText(/^It is \d\d:\d\d UTC\.$/).waitFor();

  await say('/buttons');
  await messages.locator('[data-type="callback"]', { hasText: 'Show a snackbar' }).click();
  await page.getByTestId('snackbar').getByText('Hello from a callback button!').waitFor();

  await say('/register');
  await messages.getByText("Let's register you. Your name? (/cancel to stop)").waitFor();
  await say('Alice');
  await messages.getByText('How old are you?', { exact: false }).waitFor();
  await say('30');
  await messages.getByText('Which city are you from?').waitFor();
  await say('Paris');
  await messages.getByText('Registered: Alice, 30, Paris.').waitFor();

  await page.getByTestId('photo-input').setInputFiles({
    name: 'gradient.png',
    mimeType: 'image/png',
    buffer: Buffer.from(gradientPng(96)),
  });
  await expect.poll(() => messages.getByTestId('photo').count()).toBeGreaterThan(0);
  const sent = vk
    .events()
    .filter((update) => update.type === 'message_new')
    .at(-1);
  expect(JSON.stringify(sent?.object)).toContain('"type":"photo"');

  await mkdir(OUTPUT, { recursive: true });
  await writeFile(`${OUTPUT}example-bot.png`, await page.screenshot());
});
