import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, ok } from './helpers.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

describe('utils.resolveScreenName', () => {
  test("a user's screen name resolves to the user, in any letter case", async () => {
    vk.user(1, { screenName: 'durov' });
    expect(await ok(vk, 'utils.resolveScreenName', { screen_name: 'durov' })).toEqual({
      object_id: 1,
      type: 'user',
    });
    expect(await ok(vk, 'utils.resolveScreenName', { screen_name: 'Durov' })).toEqual({
      object_id: 1,
      type: 'user',
    });
  });

  test("a community's screen name resolves to the community with a positive id", async () => {
    const team = vk.addGroup({ id: 22822305, screenName: 'team' });
    expect(await ok(vk, 'utils.resolveScreenName', { screen_name: 'team' })).toEqual({
      object_id: team.id,
      type: 'group',
    });
    expect(await ok(vk, 'utils.resolveScreenName', { screen_name: vk.group.screenName })).toEqual({
      object_id: vk.group.id,
      type: 'group',
    });
  });

  test('id<N> and club<N> / public<N> keep working next to a custom screen name', async () => {
    vk.user(5, { screenName: 'five' });
    vk.addGroup({ id: 77, screenName: 'seventy_seven' });
    expect(await ok(vk, 'utils.resolveScreenName', { screen_name: 'id5' })).toEqual({
      object_id: 5,
      type: 'user',
    });
    expect(await ok(vk, 'utils.resolveScreenName', { screen_name: 'public77' })).toEqual({
      object_id: 77,
      type: 'group',
    });
    expect(await ok(vk, 'utils.resolveScreenName', { screen_name: 'club77' })).toEqual({
      object_id: 77,
      type: 'group',
    });
  });

  test('a name nobody has is an empty array, as VK answers, and so is the address of a missing user', async () => {
    expect(await ok(vk, 'utils.resolveScreenName', { screen_name: 'nobody_here' })).toEqual([]);
    expect(await ok(vk, 'utils.resolveScreenName', { screen_name: 'id424242' })).toEqual([]);
  });

  test('a user token may resolve names too', async () => {
    const caller = vk.user(9);
    vk.user(1, { screenName: 'durov' });
    expect(await ok(vk, 'utils.resolveScreenName', { screen_name: 'durov' }, caller.token)).toEqual({
      object_id: 1,
      type: 'user',
    });
  });

  test('screen_name is required (error 100 naming it)', async () => {
    const answer = await call(vk, 'utils.resolveScreenName');
    expect(answer.error?.error_code).toBe(100);
    expect(answer.error?.error_msg).toContain('screen_name');
  });
});
