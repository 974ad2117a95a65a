/**
 * The conversation an update belongs to, for keeping order: the message's peer, else the peer,
 * user, author or liker the event is about; undefined for updates outside any conversation (a wall
 * post, a settings change). Every transport orders updates by this key, so a user's `group_join`
 * and their next message are handled in the order VK sent them.
 *
 * @example
 * updateOrderKey(update); // 2000000001 for a chat message, 375988312 for that user's group_join
 */
export function updateOrderKey(update: { object: unknown }): number | undefined {
  const object = update.object;
  if (typeof object !== 'object' || object === null) return undefined;
  const fields = object as Record<string, unknown>;
  const message = fields.message;
  if (typeof message === 'object' && message !== null) {
    const peer = (message as Record<string, unknown>).peer_id;
    if (typeof peer === 'number') return peer;
  }
  for (const field of ORDER_FIELDS) {
    const value = fields[field];
    if (typeof value === 'number') return value;
  }
  return undefined;
}

const ORDER_FIELDS = ['peer_id', 'user_id', 'from_id', 'liker_id'] as const;
