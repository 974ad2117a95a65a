import { audioMessageObject, docObject, photoObject } from '../../world/attachments.js';
import type { VkObject } from '../../world/types.js';
import { type CallContext, callerGroup, type MethodTable } from '../context.js';
import { VkError } from '../errors.js';

const DOC_KINDS = new Set(['doc', 'audio_message', 'graffiti']);

function uploadUrl(context: CallContext, kind: string, peerId: number): string {
  const group = callerGroup(context);
  return `${context.state.origin}/upload/${kind}?gid=${group.id}&peer=${peerId}`;
}

/** Takes an upload by id, checking its hash; error 100 naming the parameter otherwise. */
function takeUpload(context: CallContext, id: string, hash: string | undefined, param: string) {
  const upload = context.state.uploads.get(id);
  if (!upload || (hash !== undefined && upload.hash !== hash)) throw new VkError(100, `${param} is invalid`);
  context.state.takeUpload(id);
  return upload;
}

function savePhoto(context: CallContext): unknown {
  const group = callerGroup(context);
  const { params, state } = context;
  const photo = params.requireString('photo');
  const hash = params.requireString('hash');
  params.requireString('server');
  let uploaded: unknown;
  try {
    uploaded = JSON.parse(photo);
  } catch {
    throw new VkError(100, 'photo is invalid');
  }
  const first = Array.isArray(uploaded) ? (uploaded[0] as VkObject | undefined) : undefined;
  if (typeof first?.photo !== 'string') throw new VkError(100, 'photo is undefined');
  const upload = takeUpload(context, first.photo, hash, 'hash');
  const object = photoObject(-group.id);
  state.rememberMedia('photo', object, upload);
  return [object];
}

function saveDoc(context: CallContext): unknown {
  const group = callerGroup(context);
  const { params, state } = context;
  const [id, hash] = params.requireString('file').split('|');
  const upload = takeUpload(context, id ?? '', hash, 'file');
  const title = params.string('title') ?? upload.fileName;
  if (upload.kind === 'audio_message') {
    const object = audioMessageObject(-group.id);
    state.rememberMedia('audio_message', object, upload);
    // A voice message can be re-sent as a doc too.
    state.rememberMedia('doc', object);
    return { type: 'audio_message', audio_message: object };
  }
  const object = docObject(-group.id, { title, size: upload.size });
  state.rememberMedia('doc', object, upload);
  return upload.kind === 'graffiti' ? { type: 'graffiti', graffiti: object } : { type: 'doc', doc: object };
}

/** Upload servers and the save methods for message photos, documents and voice messages. */
export const uploadMethods: MethodTable = {
  'photos.getMessagesUploadServer': {
    tokens: 'group',
    run: (context) => ({
      album_id: -3,
      upload_url: uploadUrl(context, 'photo', context.params.int('peer_id') ?? 0),
      user_id: 0,
      group_id: callerGroup(context).id,
    }),
  },
  'photos.saveMessagesPhoto': { run: savePhoto, tokens: 'group' },
  'docs.getMessagesUploadServer': {
    tokens: 'group',
    run: (context) => {
      const type = context.params.string('type') ?? 'doc';
      if (!DOC_KINDS.has(type)) throw new VkError(100, 'type should be one of doc, audio_message, graffiti');
      return { upload_url: uploadUrl(context, type, context.params.requireInt('peer_id')) };
    },
  },
  'docs.save': { run: saveDoc, tokens: 'group' },
};
