import { afterEach, describe, expect, test } from 'vitest';
import { type CaptchaChallenge, VkCaptchaError } from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

// Inside an execute VK reports a captcha as `false` plus an execute_errors entry with the code and
// message only: no captcha_sid, no captcha_img, no redirect_uri — nothing a person could solve. The
// call has to meet its captcha alone, where VK sends the whole challenge.
describe('a captcha met by a call inside a batch', () => {
  test('onCaptcha gets a challenge it can show, and the call lands with its answer', async () => {
    const challenges: CaptchaChallenge[] = [];
    current = await rig({
      tokenType: 'group',
      onCaptcha: async (challenge) => {
        challenges.push(challenge);
        return { key: 'typed' };
      },
    });
    const { api, vk } = current;
    vk.user(1).send('hi');
    vk.faults.apiError(14, { method: 'messages.send', inExecute: true });
    vk.faults.apiError(14, { method: 'messages.send' }); // what VK answers the call sent alone
    await Promise.all(['a', 'b', 'c'].map((text) => api.messages.send({ peer_id: 1, message: text })));
    expect(challenges).toHaveLength(1);
    expect(challenges[0]?.sid).toEqual(expect.stringMatching(/\d+/));
    expect(challenges[0]?.img).toEqual(expect.stringContaining('captcha'));
    const answered = vk
      .calls({ method: 'messages.send' })
      .find((call) => call.params.captcha_key === 'typed');
    expect(answered?.params.captcha_sid).toBe(challenges[0]?.sid);
    expect(
      vk
        .sent({ peer: 1 })
        .map((message) => message.text)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  test('without onCaptcha the call fails with the whole challenge, not an empty one', async () => {
    current = await rig({ tokenType: 'group' });
    const { api, vk } = current;
    vk.user(1).send('hi');
    vk.faults.apiError(14, { method: 'messages.send', inExecute: true });
    vk.faults.apiError(14, { method: 'messages.send' });
    const outcomes = await Promise.allSettled(
      ['a', 'b'].map((text) => api.messages.send({ peer_id: 1, message: text })),
    );
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failed).toHaveLength(1);
    const error = (failed[0] as PromiseRejectedResult).reason as VkCaptchaError;
    expect(error).toBeInstanceOf(VkCaptchaError);
    expect(error.img).toEqual(expect.stringContaining('captcha'));
    expect(error.sid).toEqual(expect.stringMatching(/\d+/));
  });
});
