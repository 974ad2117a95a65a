import type { Context } from 'hono';
import type { SandboxState, UploadRecord } from '../state.js';
import { faultResponse } from './api-route.js';
import { jsonText, type SandboxEnv } from './hold.js';

const FIELD = { photo: 'photo', doc: 'file', audio_message: 'file', graffiti: 'file' } as const;

function isUploadKind(kind: string): kind is UploadRecord['kind'] {
  return Object.hasOwn(FIELD, kind);
}

/** `POST /upload/<kind>?gid=&peer=`: the upload server behind `*.getMessagesUploadServer`. */
export function uploadHandler(state: SandboxState, closing: AbortSignal) {
  return async (c: Context<SandboxEnv>): Promise<Response> => {
    const kind = c.req.param('kind') ?? '';
    if (!isUploadKind(kind)) return jsonText('{"error":"unknown upload type"}', 404);
    const field = FIELD[kind];
    const faulted = await faultResponse(c, closing, state.faults.take('upload'));
    if (faulted) return faulted;
    const query = new URL(c.req.url).searchParams;
    const groupId = Number(query.get('gid'));
    const peerId = Number(query.get('peer'));
    let file: unknown;
    try {
      file = (await c.req.parseBody())[field];
    } catch {
      return jsonText('{"error":"invalid multipart body"}', 400);
    }
    if (!(file instanceof File) || file.size === 0) {
      return jsonText(JSON.stringify({ error: `no file in the '${field}' field` }));
    }
    const upload = state.addUpload({
      kind,
      groupId,
      peerId,
      fileName: file.name || 'file',
      size: file.size,
      data: new Uint8Array(await file.arrayBuffer()),
      mime: file.type,
    });
    if (kind === 'photo') {
      return jsonText(
        JSON.stringify({
          server: 839_001,
          photo: JSON.stringify([{ photo: upload.id, sizes: [] }]),
          hash: upload.hash,
        }),
      );
    }
    return jsonText(JSON.stringify({ file: `${upload.id}|${upload.hash}` }));
  };
}
