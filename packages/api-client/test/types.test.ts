import { describe, expect, expectTypeOf, test } from 'vitest';
import type {
  MessagesSendInput,
  VkApi,
  VkButtonActionInput,
  VkKeyboardButtonInput,
  VkKeyboardInput,
} from '../src/index.js';

// These checks are compiled by `pnpm typecheck` (tsconfig.json includes test/); the functions
// are never called, so the file only has to compile for them to hold.

describe('messages.send types', () => {
  test('a send needs exactly one recipient', () => {
    const check = (api: VkApi) => {
      void api.messages.send({ peer_id: 1, message: 'to a peer' });
      void api.messages.send({ user_id: 1, message: 'to a user' });
      void api.messages.send({ domain: 'durov', message: 'to a screen name' });
      void api.messages.send({ chat_id: 1, message: 'to a chat' });
      void api.messages.send({ peer_ids: [1, 2], message: 'to several' });
      void api.call('messages.send', { peer_id: 1, message: 'by name' });
      // @ts-expect-error no recipient
      void api.messages.send({ message: 'to nobody' });
      // @ts-expect-error no recipient, by name either
      void api.call('messages.send', { message: 'to nobody' });
      // @ts-expect-error no parameters at all
      void api.call('messages.send');
      // @ts-expect-error two recipients
      void api.messages.send({ peer_id: 1, user_id: 2, message: 'to whom?' });
      // @ts-expect-error peer_ids is not combined with another recipient
      void api.messages.send({ peer_ids: [1], chat_id: 2, message: 'to whom?' });
      // @ts-expect-error a recipient that may be undefined is no recipient
      void api.messages.send({ peer_id: undefined as number | undefined, message: 'maybe' });
    };
    expect(typeof check).toBe('function');
  });

  test('one recipient answers a message id, peer_ids one item per peer', () => {
    expectTypeOf<ReturnType<VkApi['messages']['send']>>().resolves.toBeNumber();
    const many = (api: VkApi) => api.messages.send({ peer_ids: [1], message: 'x' });
    expectTypeOf<Awaited<ReturnType<typeof many>>>().items.toHaveProperty('peer_id');
    expectTypeOf<{ peer_id: 1; message: 'x' }>().toExtend<MessagesSendInput>();
  });
});

describe('outgoing keyboard types', () => {
  test('are named ...Input, apart from the incoming ones of events-schema', () => {
    const action: VkButtonActionInput = { type: 'callback', label: 'Go', payload: '{"go":1}' };
    const button: VkKeyboardButtonInput = { action, color: 'positive' };
    const keyboard: VkKeyboardInput = { inline: true, buttons: [[button]] };
    // @ts-expect-error an open_link button needs its link
    const broken: VkButtonActionInput = { type: 'open_link', label: 'site' };
    expect([keyboard, broken]).toHaveLength(2);
  });
});
