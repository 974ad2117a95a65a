import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { generateMethods, generateSchema } from '../scripts/gen-methods.js';
import type { VkApi, VkKeyboardButtonInput, VkMethodName } from '../src/index.js';

const committed = (name: string): string =>
  readFileSync(new URL(`../src/generated/${name}`, import.meta.url), 'utf8');

describe('types generated from VK’s official schema', () => {
  test('the committed files are what the generator makes from the installed schema package', () => {
    expect(committed('vk-schema.ts')).toBe(generateSchema());
    expect(committed('methods.ts')).toBe(generateMethods());
  });

  test('the schema file is self-contained (no imports), so it works under any module resolution', () => {
    expect(committed('vk-schema.ts')).not.toMatch(/^import /m);
  });

  test('methods are typed: params are checked, results are typed, messages.send has both answer forms', () => {
    type Api = VkApi;
    expectTypeOf<'messages.send'>().toMatchTypeOf<VkMethodName>();
    expectTypeOf<Api['users']['get']>().returns.resolves.items.toHaveProperty('first_name');
    expectTypeOf<ReturnType<Api['messages']['send']>>().resolves.toBeNumber();
    expectTypeOf<Api['groups']['getLongPollServer']>().parameter(0).toHaveProperty('group_id');
    const check = (api: Api) => {
      // @ts-expect-error peer_id is a number
      void api.messages.send({ peer_id: 'abc', message: 'x' });
      // @ts-expect-error no such method
      void api.messages.sendEverything();
      // @ts-expect-error keyboard colors are VK's four
      const wrong: VkKeyboardButtonInput = { action: { type: 'text', label: 'x' }, color: 'purple' };
      const right: VkKeyboardButtonInput = { action: { type: 'text', label: 'x' }, color: 'secondary' };
      void api.messages.send({ peer_id: 1, keyboard: { buttons: [[wrong, right]] } });
      void api.users.get({ user_ids: [1, 2], fields: ['sex'] });
    };
    expect(typeof check).toBe('function');
  });
});
