import type { VkApi } from '@vkwire/api-client';
import { toError } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import { updateOrderKey } from '@vkwire/events-schema/event-types';
import type { PollAnswer, PollSource } from './engine.js';
import { isFatal, LongPollMalformedUpdateError, LongPollTransportError } from './errors.js';
import type { LongPollHttp } from './http.js';
import { bodyPreview, hintLeadingTs, parseJsonBody } from './json-body.js';
import { refusal } from './refusal.js';
import type { OrderKey } from './scheduler.js';

/** Options of the Bots Long Poll source. */
export interface BotsSourceOptions {
  api: VkApi;
  groupId: () => Promise<number>;
  wait: number;
  validate: boolean;
  http: LongPollHttp;
}

type ParseUpdate = typeof import('@vkwire/events-schema').parseUpdate;

// The schemas (zod and ~60 event schemas, ~100 ms cold) are loaded when a poll connects, not when
// @vkwire/longpoll is imported.
let parseUpdate: ParseUpdate | undefined;
let loadingSchemas: Promise<ParseUpdate> | undefined;

function loadParseUpdate(): Promise<ParseUpdate> {
  loadingSchemas ??= import('@vkwire/events-schema').then((module) => {
    parseUpdate = module.parseUpdate;
    return module.parseUpdate;
  });
  return loadingSchemas;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `groups.getLongPollServer` + `a_check`, VK's Bots Long Poll protocol. */
export class BotsLongPollSource implements PollSource<VkParsedUpdate> {
  private server: URL | undefined;
  private key = '';

  constructor(private readonly options: BotsSourceOptions) {}

  async connect(signal: AbortSignal): Promise<string> {
    await loadParseUpdate();
    const groupId = await this.options.groupId();
    const answer = await this.options.api.groups
      .getLongPollServer({ group_id: groupId }, { signal, batch: false })
      .catch((error: unknown) => {
        throw refusal(error, { component: 'GroupLongPoll', groupId }) ?? error;
      });
    if (typeof answer.server !== 'string' || typeof answer.key !== 'string' || answer.ts === undefined) {
      throw new LongPollTransportError(
        `groups.getLongPollServer answered without server/key/ts: ${JSON.stringify(answer).slice(0, 200)}`,
        200,
      );
    }
    this.server = new URL(answer.server);
    this.key = answer.key;
    // VK sends ts as a string here but as a number in failed answers; keep it a string.
    return String(answer.ts);
  }

  async poll(
    ts: string,
    signal: AbortSignal,
    onTs?: (ts: string) => void,
  ): Promise<PollAnswer<VkParsedUpdate>> {
    const server = this.server;
    if (!server) throw new Error('long poll: poll() before connect()');
    const url = new URL(server);
    url.searchParams.set('act', 'a_check');
    url.searchParams.set('key', this.key);
    url.searchParams.set('ts', ts);
    url.searchParams.set('wait', String(this.options.wait));
    // The request is held up to `wait` seconds: allow that plus a margin before calling it lost.
    const body = await this.options.http.get(url, (this.options.wait + 10) * 1000, signal);
    const told = hintLeadingTs(body, onTs);
    if (told !== undefined) await told;
    let parsed: unknown;
    try {
      parsed = parseJsonBody(body);
    } catch {
      throw new LongPollTransportError(
        `long poll answer is not JSON: ${JSON.stringify(bodyPreview(body))}`,
        200,
      );
    }
    if (!isRecord(parsed)) throw new LongPollTransportError('long poll answer is not an object', 200);
    if (parsed.failed !== undefined) {
      return {
        kind: 'failed',
        code: Number(parsed.failed),
        ...(parsed.ts === undefined || parsed.ts === null ? {} : { ts: String(parsed.ts) }),
      };
    }
    if (!Array.isArray(parsed.updates) || parsed.ts === undefined) {
      throw new LongPollTransportError(
        `long poll answer has no updates/ts: ${JSON.stringify(bodyPreview(body))}`,
        200,
      );
    }
    const updates: VkParsedUpdate[] = [];
    const rejected: Error[] = [];
    const validate = this.options.validate;
    const parse = parseUpdate ?? (await loadParseUpdate());
    for (const raw of parsed.updates as unknown[]) {
      try {
        updates.push(parse(raw, { validate }));
      } catch (error) {
        rejected.push(new LongPollMalformedUpdateError(raw, toError(error)));
      }
    }
    return { kind: 'updates', ts: String(parsed.ts), updates, rejected };
  }

  keyOf(update: VkParsedUpdate): OrderKey | undefined {
    return updateOrderKey(update);
  }

  isFatal(error: unknown): boolean {
    return isFatal(error);
  }
}
