import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { VkUploadError } from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const PEER = 193847562;
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);

async function ready(): Promise<Rig> {
  current = await rig();
  current.vk.user(PEER).send('hi');
  return current;
}

describe('uploads for messages', () => {
  test('a photo from bytes, a path, a stream and an http URL each become a sendable attachment', async () => {
    const { api, vk } = await ready();
    const path = join(tmpdir(), `vkwire-upload-${process.pid}.jpg`);
    await writeFile(path, JPEG);
    const server = createServer((_request, response) => response.end(JPEG));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cat.jpg`;
    try {
      const sources = [JPEG, path, Readable.from([JPEG]), url, { data: JPEG, filename: 'named.jpg' }];
      const attachments = await Promise.all(sources.map((source) => api.upload.messagePhoto(PEER, source)));
      for (const attachment of attachments)
        expect(attachment).toMatch(new RegExp(`^photo-${vk.group.id}_\\d+_[0-9a-f]+$`));
      await api.messages.send({ peer_id: PEER, attachment: attachments });
      expect(vk.sent({ peer: PEER })[0]?.attachments).toEqual(attachments);
    } finally {
      server.close();
    }
  });

  test('a document and a voice message', async () => {
    const { api, vk } = await ready();
    const doc = await api.upload.messageDoc(
      PEER,
      { data: Buffer.from('%PDF-1.4'), filename: 'bill.pdf' },
      { title: 'Bill.pdf' },
    );
    const voice = await api.upload.voiceMessage(PEER, Buffer.from('OggS'));
    expect(doc).toMatch(new RegExp(`^doc-${vk.group.id}_\\d+_`));
    expect(voice).toMatch(new RegExp(`^doc-${vk.group.id}_\\d+_`));
    await api.messages.send({ peer_id: PEER, attachment: [doc, voice] });
    const [sent] = vk.sent({ peer: PEER });
    expect(sent?.object.attachments).toMatchObject([
      { type: 'doc', doc: { title: 'Bill.pdf' } },
      { type: 'doc', doc: { link_ogg: expect.any(String) } },
    ]);
  });

  test('an upload server that answers a non-JSON page gives a clear VkUploadError', async () => {
    const { api, vk } = await ready();
    vk.faults.inject('upload', { kind: 'html' });
    const error = await api.upload.messagePhoto(PEER, JPEG).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VkUploadError);
    expect((error as VkUploadError).message).toContain('did not answer JSON');
    expect((error as VkUploadError).excerpt).toContain('<html>');
  });

  test('a missing file path fails before anything is sent', async () => {
    const { api, vk } = await ready();
    await expect(api.upload.messagePhoto(PEER, '/nonexistent/cat.jpg')).rejects.toThrow(/ENOENT/);
    expect(vk.calls({ method: 'photos.getMessagesUploadServer' })).toEqual([]);
  });
});
