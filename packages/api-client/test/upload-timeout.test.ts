import { afterEach, describe, expect, test } from 'vitest';
import { VkNetworkError } from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const PEER = 193847562;
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);

// A large document takes longer to POST than an API call takes to answer: the per-call
// `timeoutMs` ("milliseconds each HTTP attempt may take") must cover the upload's own POST too.
describe('an upload with its own timeoutMs', () => {
  test('a slow upload server is waited for as long as the upload call allows', async () => {
    current = await rig({ timeoutMs: 150, tokenType: 'group' });
    const { api, vk } = current;
    vk.user(PEER).send('hi');
    vk.faults.inject('upload', { kind: 'delay', ms: 600 }, { times: 3 });
    const photo = await api.upload.messagePhoto(PEER, JPEG, { timeoutMs: 5000 });
    expect(photo).toMatch(new RegExp(`^photo-${vk.group.id}_\\d+`));
    const doc = await api.upload.messageDoc(PEER, Buffer.from('%PDF-1.4'), { timeoutMs: 5000 });
    expect(doc).toMatch(new RegExp(`^doc-${vk.group.id}_\\d+`));
    const voice = await api.upload.voiceMessage(PEER, Buffer.from('OggS'), { timeoutMs: 5000 });
    expect(voice).toMatch(new RegExp(`^doc-${vk.group.id}_\\d+`));
  });

  test('without one, the client timeout still bounds the upload POST', async () => {
    current = await rig({ timeoutMs: 150, tokenType: 'group' });
    const { api, vk } = current;
    vk.user(PEER).send('hi');
    vk.faults.inject('upload', { kind: 'delay', ms: 600 });
    const error = await api.upload.messagePhoto(PEER, JPEG).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VkNetworkError);
    expect((error as VkNetworkError).code).toBe('timeout');
  });
});
