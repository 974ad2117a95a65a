import type { VkApi } from '@vkwire/api-client';
import type { PollAnswer, PollSource } from './engine.js';
import { isFatal, LongPollFailedError, LongPollTransportError } from './errors.js';
import type { LongPollHttp } from './http.js';
import { bodyPreview, hintLeadingTs, parseJsonBody } from './json-body.js';
import { refusal } from './refusal.js';
import type { OrderKey } from './scheduler.js';
import { decodeUserUpdate, userEventPeerId } from './user/decode.js';
import type { ChatChangeNumbering, UserLongPollEvent } from './user/events.js';
import { parseUserLongPollAnswer, USER_LONG_POLL_VERSION, userLongPollCheckUrl } from './user/server.js';

/** Options of the User Long Poll source. */
export interface UserSourceOptions {
  api: VkApi;
  wait: number;
  mode: number;
  chatChangeNumbering: ChatChangeNumbering;
  /** The account the stream belongs to, once known. */
  ownerId: () => number | undefined;
  /** For a user token acting for a community. */
  groupId: number | undefined;
  /** The scheme for servers given without one (VK's are https). */
  scheme: 'https' | 'http';
  http: LongPollHttp;
}

/** `messages.getLongPollServer` + `a_check` (version 3), decoded into typed events. */
export class UserLongPollSource implements PollSource<UserLongPollEvent> {
  private server = '';
  private key = '';

  constructor(private readonly options: UserSourceOptions) {}

  async connect(signal: AbortSignal): Promise<string> {
    const groupId = this.options.groupId;
    const answer = await this.options.api.messages
      .getLongPollServer(
        { lp_version: USER_LONG_POLL_VERSION, ...(groupId === undefined ? {} : { group_id: groupId }) },
        { signal, batch: false },
      )
      .catch((error: unknown) => {
        throw refusal(error, { component: 'UserLongPoll', groupId }) ?? error;
      });
    if (typeof answer.server !== 'string' || typeof answer.key !== 'string' || answer.ts === undefined) {
      throw new LongPollTransportError(
        `messages.getLongPollServer answered without server/key/ts: ${JSON.stringify(answer).slice(0, 200)}`,
        200,
      );
    }
    this.server = answer.server;
    this.key = answer.key;
    return String(answer.ts);
  }

  async poll(
    ts: string,
    signal: AbortSignal,
    onTs?: (ts: string) => void,
  ): Promise<PollAnswer<UserLongPollEvent>> {
    const { wait, mode, scheme } = this.options;
    const url = new URL(userLongPollCheckUrl(this.server, { key: this.key, ts, wait, mode, scheme }));
    const body = await this.options.http.get(url, (wait + 10) * 1000, signal);
    const told = hintLeadingTs(body, onTs);
    if (told !== undefined) await told;
    let value: unknown;
    try {
      value = parseJsonBody(body);
    } catch {
      throw new LongPollTransportError(
        `user long poll: the answer is not JSON: ${JSON.stringify(bodyPreview(body))}`,
        200,
      );
    }
    const answer = parseUserLongPollAnswer(value);
    if (answer.kind === 'invalid') throw new LongPollTransportError(`user long poll: ${answer.reason}`, 200);
    if (answer.kind === 'failed') {
      if (answer.code === 4) {
        throw new LongPollFailedError(
          4,
          `version ${USER_LONG_POLL_VERSION} refused (server accepts ${answer.minVersion ?? '?'}..${answer.maxVersion ?? '?'})`,
          { fatal: true },
        );
      }
      return {
        kind: 'failed',
        code: answer.code,
        ...(answer.ts === undefined ? {} : { ts: String(answer.ts) }),
      };
    }
    const ownerId = this.options.ownerId();
    const options = {
      mode,
      chatChangeNumbering: this.options.chatChangeNumbering,
      ...(ownerId === undefined ? {} : { ownerId }),
    };
    // Decoding never throws: unknown codes come back as `unknown` events with their raw array.
    const updates = answer.updates.map((update) => decodeUserUpdate(update, options));
    return { kind: 'updates', ts: String(answer.ts), updates, rejected: [] };
  }

  keyOf(event: UserLongPollEvent): OrderKey | undefined {
    return userEventPeerId(event);
  }

  isFatal(error: unknown): boolean {
    return isFatal(error);
  }
}
