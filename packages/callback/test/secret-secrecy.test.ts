import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { CallbackGroups, createCallbackReceiver } from '../src/index.js';

const SECRET = 'Zq81secretOfTheCommunity0xA';
const CODE = 'c0de1234';

// A registry ends up in logs whole more often than one thinks: `console.log(groups)`, a logger
// given the config, a crash dump of the bot's state.
describe('a CallbackGroups printed or serialized shows no secret', () => {
  test('inspect, JSON.stringify and String list the communities without their secrets', () => {
    const groups = new CallbackGroups([
      { groupId: 1, secret: SECRET, confirmation: CODE },
      { groupId: 2, confirmation: 'f00d' },
    ]);
    const views = [
      inspect(groups),
      inspect(groups, { depth: Infinity, showHidden: true }),
      inspect({ config: { groups } }, { depth: Infinity }),
      JSON.stringify(groups),
      JSON.stringify({ config: { groups } }),
      String(groups),
    ];
    for (const view of views) expect(view).not.toContain(SECRET);
    // Still useful to read: which communities are served.
    expect(inspect(groups)).toContain('1');
    expect(JSON.parse(JSON.stringify(groups))).toEqual({ groupIds: [1, 2] });
  });

  test('the registry still answers with the secret where the receiver needs it', async () => {
    const groups = new CallbackGroups([{ groupId: 1, secret: SECRET, confirmation: CODE }]);
    expect(groups.get(1)?.secret).toBe(SECRET);
    const receiver = createCallbackReceiver({ groups, onUpdate: () => {} });
    const body = (secret: string) =>
      JSON.stringify({
        type: 'group_join',
        event_id: `e-${secret}`,
        v: '5.199',
        object: { user_id: 5, join_type: 'join' },
        group_id: 1,
        secret,
      });
    const post = (text: string) =>
      receiver(
        new Request('http://x/callback', {
          method: 'POST',
          body: text,
          headers: { 'content-type': 'application/json' },
        }),
      );
    expect((await post(body(SECRET))).status).toBe(200);
    expect((await post(body('wrong'))).status).toBe(403);
    await receiver.stop();
  });
});
