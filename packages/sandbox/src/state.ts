import { CallbackPusher } from './callback/pusher.js';
import { type FaultAction, Faults } from './faults.js';
import { SandboxFeed } from './feed.js';
import { randomHex } from './ids.js';
import { EventStream } from './longpoll/event-stream.js';
import { LongPollKeys } from './longpoll/keys.js';
import { UserLongPollHub } from './longpoll/user-longpoll.js';
import { MediaFiles } from './media-files.js';
import type { ResolvedSandboxOptions } from './options.js';
import { RateLimiter } from './rate-limit.js';
import type { StoredMessage, VkObject } from './world/types.js';
import { World } from './world/world.js';

/** Bytes of uploaded files kept for the chat page; the oldest go first past it. */
const MEDIA_FILES_BUDGET = 64 * 1024 * 1024;

/** One API call as the sandbox saw it (tokens are never recorded). */
export interface ApiCallRecord {
  method: string;
  /** Parameters without the access token. */
  params: Record<string, string>;
  /** Which kind of token called, and whose. */
  caller: { kind: 'group'; groupId: number } | { kind: 'user'; userId: number } | { kind: 'none' };
  /** VK error code when the call failed. */
  errorCode?: number;
  /** Milliseconds since the sandbox started. */
  at: number;
  /** Whether the call ran inside an `execute`. */
  inExecute: boolean;
  /** The injected fault that answered it instead of the method, if any. */
  fault?: FaultAction['kind'];
}

/** An answer to a callback button press (`messages.sendMessageEventAnswer`). */
export interface EventAnswerRecord {
  groupId: number;
  eventId: string;
  userId: number;
  peerId: number;
  /** The parsed `event_data`, when one was sent. */
  eventData?: VkObject;
  /** The snackbar text, when `event_data` was a `show_snackbar`. */
  snackbar?: string;
}

/** A callback button press waiting for its answer. */
export interface PendingPress {
  groupId: number;
  userId: number;
  peerId: number;
  at: number;
  answered: boolean;
}

/** A file posted to an upload server, until it is saved. */
export interface UploadRecord {
  kind: 'photo' | 'doc' | 'audio_message' | 'graffiti';
  groupId: number;
  peerId: number;
  fileName: string;
  size: number;
  /** The file's bytes and content type (kept for `GET /_sandbox/media/...` once saved). */
  data?: Uint8Array;
  mime?: string;
  /** What the save call must present with the upload id. */
  hash: string;
}

/** Everything a running sandbox knows; the HTTP layer and the methods share it. */
export class SandboxState {
  /** What happens in conversations, live (`GET /_sandbox/feed`); closed with the sandbox. */
  readonly feed = new SandboxFeed();
  /** Open `GET /_sandbox/feed` responses: each settles once written out or dropped. */
  readonly feedStreams = new Set<Promise<void>>();
  readonly world = new World(this.feed);
  /** Pushes events to the communities' Callback API servers. */
  readonly callback: CallbackPusher;
  readonly faults = new Faults();
  readonly rateLimiter: RateLimiter;
  readonly streams = new Map<number, EventStream>();
  /** Bots Long Poll keys: key → group id and expiry. */
  /** Bots Long Poll keys, each valid for one community. */
  readonly longPollKeys: LongPollKeys;
  /** User Long Poll streams and keys (`messages.getLongPollServer`). */
  readonly userLongPoll: UserLongPollHub = new UserLongPollHub(this);
  readonly uploads = new Map<string, UploadRecord>();
  /** Media the sandbox created (uploads, simulated attachments) by attachment string without key. */
  readonly media = new Map<string, { type: string; object: VkObject }>();
  /** Bytes of saved uploads by attachment key (`photo-1_457240001`), for the chat page. */
  readonly mediaFiles = new MediaFiles(MEDIA_FILES_BUDGET);
  readonly pendingPresses = new Map<string, PendingPress>();
  readonly eventAnswers: EventAnswerRecord[] = [];
  /** Messages communities sent through the API, in order, with when (ms since `startedAt`). */
  readonly sentMessages: Array<{ groupId: number; message: StoredMessage; at: number }> = [];
  readonly calls: ApiCallRecord[] = [];
  /** Every event emitted per community, parsed lazily (tests inspect these). */
  readonly emitted = new Map<number, string[]>();
  readonly startedAt = performance.now();
  /** Set once the HTTP server listens. */
  origin = '';
  private nextUploadId = 1;
  private pendingUploadBytes = 0;

  constructor(readonly options: ResolvedSandboxOptions) {
    this.rateLimiter = new RateLimiter(options.rateLimit);
    this.longPollKeys = new LongPollKeys(() => options.longPoll.keyTtlMs);
    this.world.addSink((groupId, type, json) => this.deliver(groupId, type, json));
    const sinceStart = () => performance.now() - this.startedAt;
    this.callback = new CallbackPusher(options.callback, this.world.groups, sinceStart);
    this.world.addSink((groupId, type, json) => this.callback.push(groupId, type, json));
  }

  /** The Bots Long Poll history of a community. */
  stream(groupId: number): EventStream {
    let stream = this.streams.get(groupId);
    if (!stream) {
      stream = new EventStream({ historySize: this.options.longPoll.historySize });
      this.streams.set(groupId, stream);
    }
    return stream;
  }

  /** Records an upload and returns its opaque id. */
  addUpload(record: Omit<UploadRecord, 'hash'>): { id: string; hash: string } {
    const id = `${this.nextUploadId++}${randomHex(6)}`;
    const hash = randomHex(16);
    const { data, ...rest } = record;
    // Bytes of uploads never saved are kept only within the budget (the record itself stays).
    const keep = data !== undefined && this.pendingUploadBytes + data.byteLength <= MEDIA_FILES_BUDGET;
    if (keep) this.pendingUploadBytes += data.byteLength;
    this.uploads.set(id, { ...rest, hash, ...(keep ? { data } : {}) });
    return { id, hash };
  }

  /** Takes a pending upload by id (the save methods), or undefined for an unknown id. */
  takeUpload(id: string): UploadRecord | undefined {
    const upload = this.uploads.get(id);
    if (!upload) return undefined;
    this.uploads.delete(id);
    if (upload.data) this.pendingUploadBytes -= upload.data.byteLength;
    return upload;
  }

  /** Records an API call, keeping the log bounded. */
  logCall(record: Omit<ApiCallRecord, 'at'>): void {
    this.calls.push({ ...record, at: performance.now() - this.startedAt });
    if (this.calls.length > this.options.callLogSize * 1.25)
      this.calls.splice(0, this.calls.length - this.options.callLogSize);
  }

  /**
   * Remembers a media object so that attachment strings naming it resolve to the full object;
   * with `file`, its bytes are kept for `GET /_sandbox/media/<type><owner>_<id>`.
   */
  rememberMedia(
    type: string,
    object: VkObject,
    file?: { data?: Uint8Array; mime?: string; fileName: string },
  ): void {
    const key = `${type}${String(object.owner_id)}_${String(object.id)}`;
    this.media.set(key, { type, object });
    if (file?.data) {
      this.mediaFiles.put(key, {
        data: file.data,
        mime: file.mime || 'application/octet-stream',
        fileName: file.fileName,
      });
    }
  }

  private deliver(groupId: number, type: string, json: string): void {
    if (this.options.recordEvents) {
      let list = this.emitted.get(groupId);
      if (!list) {
        list = [];
        this.emitted.set(groupId, list);
      }
      list.push(json);
    }
    const group = this.world.group(groupId);
    if (!group?.longPoll.enabled) return;
    // Types without a settings flag (vkpay_transaction, app_payload) come whenever Long Poll is on.
    if (group.longPoll.events[type] === 0) return;
    this.stream(groupId).push(json);
  }
}
