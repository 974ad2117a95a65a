import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, ok } from './helpers.js';

let vk: Sandbox;
const PEER = 193847562;
beforeEach(async () => {
  vk = await createSandbox();
  vk.user(PEER).send('hi');
});
afterEach(() => vk.close());

async function upload(
  url: string,
  field: string,
  name: string,
  bytes = 'file contents',
): Promise<Record<string, unknown>> {
  const form = new FormData();
  form.set(field, new Blob([bytes]), name);
  const response = await fetch(url, { method: 'POST', body: form });
  return (await response.json()) as Record<string, unknown>;
}

describe('message photo uploads', () => {
  test('upload server → POST photo → saveMessagesPhoto gives a photo that can be sent', async () => {
    const server = await ok<{ upload_url: string; album_id: number; group_id: number }>(
      vk,
      'photos.getMessagesUploadServer',
      { peer_id: PEER },
    );
    expect(server).toMatchObject({ album_id: -3, group_id: vk.group.id });
    const uploaded = await upload(server.upload_url, 'photo', 'cat.jpg');
    expect(uploaded).toEqual({
      server: expect.any(Number),
      photo: expect.any(String),
      hash: expect.any(String),
    });
    const [photo] = await ok<Array<Record<string, unknown>>>(vk, 'photos.saveMessagesPhoto', {
      server: String(uploaded.server),
      photo: String(uploaded.photo),
      hash: String(uploaded.hash),
    });
    expect(photo).toMatchObject({
      owner_id: -vk.group.id,
      id: expect.any(Number),
      access_key: expect.any(String),
      sizes: expect.any(Array),
    });
    const attachment = `photo${String(photo?.owner_id)}_${String(photo?.id)}_${String(photo?.access_key)}`;
    await ok(vk, 'messages.send', { peer_id: PEER, attachment, random_id: 1 });
    const [sent] = vk.sent({ peer: PEER });
    expect(sent?.attachments).toEqual([attachment]);
    expect(sent?.object.attachments).toEqual([{ type: 'photo', photo }]);
  });

  test('a wrong hash or a reused upload is error 100', async () => {
    const { upload_url } = await ok<{ upload_url: string }>(vk, 'photos.getMessagesUploadServer', {
      peer_id: PEER,
    });
    const uploaded = await upload(upload_url, 'photo', 'cat.jpg');
    const params = { server: String(uploaded.server), photo: String(uploaded.photo) };
    expect((await call(vk, 'photos.saveMessagesPhoto', { ...params, hash: 'wrong' })).error?.error_code).toBe(
      100,
    );
    await ok(vk, 'photos.saveMessagesPhoto', { ...params, hash: String(uploaded.hash) });
    expect(
      (await call(vk, 'photos.saveMessagesPhoto', { ...params, hash: String(uploaded.hash) })).error
        ?.error_code,
    ).toBe(100);
  });

  test('a POST without the file field answers a JSON error', async () => {
    const { upload_url } = await ok<{ upload_url: string }>(vk, 'photos.getMessagesUploadServer', {
      peer_id: PEER,
    });
    expect(await upload(upload_url, 'wrong_field', 'cat.jpg')).toEqual({
      error: "no file in the 'photo' field",
    });
  });

  test('an upload server fault answers a non-JSON page', async () => {
    const { upload_url } = await ok<{ upload_url: string }>(vk, 'photos.getMessagesUploadServer', {
      peer_id: PEER,
    });
    vk.faults.inject('upload', { kind: 'html' });
    const form = new FormData();
    form.set('photo', new Blob(['x']), 'x.jpg');
    const response = await fetch(upload_url, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^<html>/);
  });
});

describe('documents and voice messages', () => {
  test('docs.save gives a doc for type doc', async () => {
    const { upload_url } = await ok<{ upload_url: string }>(vk, 'docs.getMessagesUploadServer', {
      type: 'doc',
      peer_id: PEER,
    });
    const { file } = await upload(upload_url, 'file', 'report.pdf', 'x'.repeat(1234));
    const saved = await ok<{ type: string; doc: Record<string, unknown> }>(vk, 'docs.save', {
      file: String(file),
      title: 'Report.pdf',
    });
    expect(saved.type).toBe('doc');
    expect(saved.doc).toMatchObject({ owner_id: -vk.group.id, title: 'Report.pdf', ext: 'pdf', size: 1234 });
  });

  test('docs.save gives an audio_message for type audio_message', async () => {
    const { upload_url } = await ok<{ upload_url: string }>(vk, 'docs.getMessagesUploadServer', {
      type: 'audio_message',
      peer_id: PEER,
    });
    const { file } = await upload(upload_url, 'file', 'voice.ogg');
    const saved = await ok<{ type: string; audio_message: Record<string, unknown> }>(vk, 'docs.save', {
      file: String(file),
    });
    expect(saved.type).toBe('audio_message');
    expect(saved.audio_message).toMatchObject({
      owner_id: -vk.group.id,
      link_ogg: expect.any(String),
      waveform: expect.any(Array),
    });
  });

  test('an unknown doc type is error 100', async () => {
    expect(
      (await call(vk, 'docs.getMessagesUploadServer', { type: 'video', peer_id: PEER })).error?.error_code,
    ).toBe(100);
  });
});
