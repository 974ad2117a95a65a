import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ParamValue } from './encode.js';
import type { CallOptions } from './engine.js';
import { VkUploadError } from './errors.js';
import type { HttpTransport } from './transport.js';
import { undici } from './undici.js';

/**
 * What to upload: a file path, an http(s) or file URL, bytes, a readable stream, or one of these
 * with a file name.
 */
export type UploadSource =
  | string
  | URL
  | Uint8Array
  | Readable
  | { data: string | URL | Uint8Array | Readable; filename?: string };

/** Options of a document upload. */
export interface DocUploadOptions extends CallOptions {
  /** The document title. @default the file name */
  title?: string;
}

type Caller = (
  method: string,
  params: Readonly<Record<string, ParamValue>>,
  options?: CallOptions,
) => Promise<unknown>;

interface Loaded {
  bytes: Uint8Array;
  filename: string;
}

function isReadable(value: unknown): value is Readable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Readable).pipe === 'function' &&
    Symbol.asyncIterator in value
  );
}

/**
 * Uploads for messages: each resolves to the attachment string to pass as `attachment`
 * (`photo-1_457239017_a1b2c3`, `doc-1_457239018_d4e5f6`).
 */
export class Uploads {
  constructor(
    private readonly call: Caller,
    private readonly transport: HttpTransport,
    /** The client's per-attempt timeout: an upload's POST and download take the call's `timeoutMs` first. */
    private readonly timeoutMs: number,
  ) {}

  /**
   * Uploads a photo for a message to `peerId`.
   *
   * @example
   * const photo = await api.upload.messagePhoto(peerId, './cat.jpg');
   * await api.messages.send({ peer_id: peerId, attachment: photo });
   */
  async messagePhoto(peerId: number, source: UploadSource, options: CallOptions = {}): Promise<string> {
    const file = await this.load(source, 'photo.jpg', options);
    const server = (await this.call('photos.getMessagesUploadServer', { peer_id: peerId }, options)) as {
      upload_url: string;
    };
    const uploaded = await this.post(server.upload_url, 'photo', file, 'message photo', options);
    if (
      typeof uploaded.photo !== 'string' ||
      uploaded.photo === '[]' ||
      uploaded.server === undefined ||
      typeof uploaded.hash !== 'string'
    ) {
      throw new VkUploadError(
        'message photo',
        200,
        JSON.stringify(uploaded),
        'the upload server returned no photo',
      );
    }
    const saved = (await this.call(
      'photos.saveMessagesPhoto',
      { photo: uploaded.photo, server: String(uploaded.server), hash: uploaded.hash },
      { ...options, batch: false },
    )) as Array<{ owner_id: number; id: number; access_key?: string }>;
    const [photo] = saved;
    if (!photo)
      throw new VkUploadError(
        'message photo',
        200,
        JSON.stringify(saved),
        'photos.saveMessagesPhoto returned nothing',
      );
    return attachment('photo', photo);
  }

  /** Uploads a document for a message to `peerId`. */
  messageDoc(peerId: number, source: UploadSource, options: DocUploadOptions = {}): Promise<string> {
    return this.doc('doc', peerId, source, 'file.bin', options);
  }

  /** Uploads a voice message (doc type `audio_message`, ogg/opus or mp3) for `peerId`. */
  voiceMessage(peerId: number, source: UploadSource, options: CallOptions = {}): Promise<string> {
    return this.doc('audio_message', peerId, source, 'voice.ogg', options);
  }

  private async doc(
    type: 'doc' | 'audio_message',
    peerId: number,
    source: UploadSource,
    fallbackName: string,
    options: DocUploadOptions,
  ): Promise<string> {
    const what = type === 'doc' ? 'message document' : 'voice message';
    const file = await this.load(source, fallbackName, options);
    const server = (await this.call('docs.getMessagesUploadServer', { type, peer_id: peerId }, options)) as {
      upload_url: string;
    };
    const uploaded = await this.post(server.upload_url, 'file', file, what, options);
    if (typeof uploaded.file !== 'string')
      throw new VkUploadError(what, 200, JSON.stringify(uploaded), 'the upload server returned no file');
    const { title, ...callOptions } = options;
    const saved = (await this.call(
      'docs.save',
      { file: uploaded.file, title: title ?? file.filename },
      { ...callOptions, batch: false },
    )) as Record<string, { owner_id: number; id: number; access_key?: string } | string>;
    const kind = typeof saved.type === 'string' ? saved.type : type;
    const media = saved[kind];
    if (typeof media !== 'object')
      throw new VkUploadError(what, 200, JSON.stringify(saved), 'docs.save returned no document');
    // Voice messages and graffiti are documents: they are attached as doc<owner>_<id>.
    return attachment('doc', media);
  }

  private async post(
    url: string,
    field: string,
    file: Loaded,
    what: string,
    options: CallOptions,
  ): Promise<Record<string, unknown>> {
    const { FormData } = await undici();
    const form = new FormData();
    form.append(field, new Blob([file.bytes]), file.filename);
    const answer = await this.transport.postMultipart(new URL(url), form, {
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      signal: options.signal,
      label: `upload of ${what}`,
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      throw new VkUploadError(what, answer.status, answer.body, 'the upload server did not answer JSON');
    }
    if (typeof parsed !== 'object' || parsed === null)
      throw new VkUploadError(what, answer.status, answer.body, 'unexpected answer');
    const result = parsed as Record<string, unknown>;
    if (result.error !== undefined)
      throw new VkUploadError(
        what,
        answer.status,
        answer.body,
        `the upload server refused it: ${String(result.error)}`,
      );
    return result;
  }

  private async load(source: UploadSource, fallbackName: string, options: CallOptions): Promise<Loaded> {
    if (
      typeof source === 'object' &&
      source !== null &&
      'data' in source &&
      !(source instanceof Uint8Array) &&
      !isReadable(source)
    ) {
      const loaded = await this.load(source.data, fallbackName, options);
      return source.filename ? { ...loaded, filename: source.filename } : loaded;
    }
    if (source instanceof Uint8Array) return { bytes: source, filename: fallbackName };
    if (isReadable(source)) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of source)
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
      return { bytes: Buffer.concat(chunks), filename: fallbackName };
    }
    const url = source instanceof URL ? source : /^https?:\/\//i.test(source) ? new URL(source) : undefined;
    if (url && url.protocol !== 'file:') {
      const { status, bytes } = await this.transport.getBytes(url, {
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
        signal: options.signal,
        label: `download of ${url.origin}${url.pathname}`,
      });
      if (status >= 400)
        throw new VkUploadError(
          `${url.origin}${url.pathname}`,
          status,
          bytes.subarray(0, 200).toString('utf8'),
          'the source could not be downloaded',
        );
      return { bytes, filename: basename(url.pathname) || fallbackName };
    }
    const path = url ? fileURLToPath(url) : (source as string);
    return { bytes: await readFile(path), filename: basename(path) || fallbackName };
  }
}

function attachment(type: string, media: { owner_id: number; id: number; access_key?: string }): string {
  return `${type}${media.owner_id}_${media.id}${media.access_key ? `_${media.access_key}` : ''}`;
}
