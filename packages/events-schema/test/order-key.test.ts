import { describe, expect, test } from 'vitest';
import { updateOrderKey } from '../src/index.js';

describe('updateOrderKey', () => {
  test.each([
    ['a message: its peer', { message: { peer_id: 2000000001, from_id: 5 } }, 2000000001],
    ['message_reply / message_edit / message_event: peer_id', { peer_id: 7, from_id: -1 }, 7],
    ['group_join / group_leave: the user', { user_id: 375988312, join_type: 'join' }, 375988312],
    ['wall_reply_new: the author', { from_id: 12, post_id: 3 }, 12],
    ['like_add: the liker', { liker_id: 44, object_type: 'post' }, 44],
    ['wall_post_new: outside any conversation', { id: 1, owner_id: -1 }, undefined],
    ['a non-object', 'warning', undefined],
  ])('%s', (_name, object, key) => {
    expect(updateOrderKey({ object })).toBe(key);
  });
});
