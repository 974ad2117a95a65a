import { VK_EVENT_TYPES } from '@vkwire/events-schema';
import { afterEach, beforeEach, describe, expect, expectTypeOf, test } from 'vitest';
import {
  CALLBACK_EVENT_FLAGS,
  type CallbackEventFlag,
  createSandbox,
  LONG_POLL_EVENT_FLAGS,
  type LongPollEventFlag,
  type Sandbox,
} from '../src/index.js';
import { ok } from './helpers.js';

// The flag lists are derived from @vkwire/events-schema's event map, not written a second time.

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

describe('event flags follow the event map', () => {
  test('the flag lists are typed by event type, not string[]', () => {
    expectTypeOf(CALLBACK_EVENT_FLAGS).toEqualTypeOf<readonly CallbackEventFlag[]>();
    expectTypeOf(LONG_POLL_EVENT_FLAGS).toEqualTypeOf<readonly LongPollEventFlag[]>();
    // @ts-expect-error a misspelt event type is not a flag
    const typo: CallbackEventFlag = 'mesage_new';
    expect(typo).toBe('mesage_new');
  });

  test('every event type of the event map except the two VK cannot switch is a Callback flag, in map order', () => {
    expect(CALLBACK_EVENT_FLAGS).toEqual(
      VK_EVENT_TYPES.filter((type) => type !== 'vkpay_transaction' && type !== 'app_payload'),
    );
    expect(LONG_POLL_EVENT_FLAGS.every((flag) => CALLBACK_EVENT_FLAGS.includes(flag))).toBe(true);
    expect(LONG_POLL_EVENT_FLAGS).not.toContain('lead_forms_new');
  });

  test('groups.getCallbackSettings and getLongPollSettings answer one flag per derived event type', async () => {
    const group_id = vk.group.id;
    const { server_id } = await ok<{ server_id: number }>(vk, 'groups.addCallbackServer', {
      group_id,
      url: 'http://127.0.0.1:9/cb',
      title: 'x',
    });
    const callback = await ok<{ events: Record<string, number> }>(vk, 'groups.getCallbackSettings', {
      group_id,
      server_id,
    });
    expect(Object.keys(callback.events).sort()).toEqual([...CALLBACK_EVENT_FLAGS].sort());
    const longPoll = await ok<{ events: Record<string, number> }>(vk, 'groups.getLongPollSettings', {
      group_id,
    });
    expect(Object.keys(longPoll.events).sort()).toEqual([...LONG_POLL_EVENT_FLAGS].sort());
  });
});
