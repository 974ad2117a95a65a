import { VkwireConfigError } from '@vkwire/core';
import type { CallbackServerRecord, GroupRecord } from '../world/types.js';

/** Callback API delivery tuning (`createSandbox({ callback })`). Every delay is configurable so tests run fast. */
export interface CallbackPusherOptions {
  /**
   * Delay before each retry of a failed delivery; its length is the number of retries. VK's
   * schedule is 10 s, 3 min, 10 min, 30 min, 1 h (vk-protocol §5.3).
   * @default [10000, 180000, 600000, 1800000, 3600000]
   */
  retryDelaysMs?: readonly number[];
  /** Milliseconds one POST may take before it counts as failed. @default 5000 */
  timeoutMs?: number;
  /**
   * Milliseconds per second of a `Retry-After` answer (1000 is real time; a test may pass 10 so
   * that `Retry-After: 3` waits 30 ms). @default 1000
   */
  retryAfterUnitMs?: number;
  /** A `Retry-After` of this many seconds or more is ignored (VK: under 3 hours). @default 10800 */
  maxRetryAfterSeconds?: number;
  /** Deliveries kept for `vk.callback.deliveries()`. @default 10000 */
  logSize?: number;
}

/** The pusher options with defaults filled in. */
export type ResolvedCallbackPusherOptions = Required<CallbackPusherOptions>;

/** Fills in the defaults of the pusher options. */
export function resolveCallbackOptions(options: CallbackPusherOptions = {}): ResolvedCallbackPusherOptions {
  return {
    retryDelaysMs: options.retryDelaysMs ?? [10_000, 180_000, 600_000, 1_800_000, 3_600_000],
    timeoutMs: options.timeoutMs ?? 5000,
    retryAfterUnitMs: options.retryAfterUnitMs ?? 1000,
    maxRetryAfterSeconds: options.maxRetryAfterSeconds ?? 3 * 3600,
    logSize: options.logSize ?? 10_000,
  };
}

/** One POST to a callback server and what came back. */
export interface CallbackAttemptRecord {
  /** The `X-Retry-Counter` it carried (0: the first attempt, sent without the header). */
  retryCounter: number;
  /** HTTP status of the answer; 0 when none came (connection error or timeout). */
  status: number;
  /** The answer body (at most 200 characters). */
  answer: string;
  /** Why no answer came. */
  error?: 'timeout' | 'network';
  /** The `Retry-After` header of the answer, as sent. */
  retryAfter?: string;
  /** Milliseconds the pusher waited before the next attempt (absent after the last one). */
  nextDelayMs?: number;
  /** Milliseconds since the sandbox started. */
  at: number;
}

/** Where a delivery stands. */
export type CallbackDeliveryStatus =
  /** Queued or being retried. */
  | 'pending'
  /** The server answered `ok` (or the confirmation code, for a confirmation). */
  | 'delivered'
  /** Every attempt failed (or the confirmation answer was wrong): VK gives up. */
  | 'failed'
  /** The server answered `remove`: VK deleted it from the community. */
  | 'removed'
  /** Not sent: the server was not confirmed, was deleted, or the sandbox closed. */
  | 'dropped';

/** One event (or confirmation request) delivered to one callback server, with every attempt. */
export interface CallbackDeliveryRecord {
  groupId: number;
  serverId: number;
  url: string;
  /** The event type, or `confirmation`. */
  type: string;
  /** The event's `event_id` (absent for a confirmation). */
  eventId?: string;
  status: CallbackDeliveryStatus;
  attempts: CallbackAttemptRecord[];
}

/** Which deliveries `vk.callback.deliveries()` returns. */
export interface CallbackDeliveryFilter {
  groupId?: number;
  serverId?: number;
  type?: string;
  eventId?: string;
  status?: CallbackDeliveryStatus;
}

/** The Callback API side of a sandbox: what it pushed to callback servers, and control of it. */
export interface SandboxCallback {
  /** Deliveries to callback servers, oldest first (bounded by `callback.logSize`). */
  deliveries(filter?: CallbackDeliveryFilter): CallbackDeliveryRecord[];
  /**
   * Resolves once nothing is queued, in flight or waiting for a retry (rejects after `timeoutMs`).
   * Pending retries are waited for, so keep retry delays short in tests.
   */
  idle(timeoutMs?: number): Promise<void>;
  /**
   * Sends the confirmation request to a server again (the "Confirm" button of VK's settings page)
   * and resolves to its new status.
   */
  confirm(serverId: number, groupId?: number): Promise<CallbackServerRecord['status']>;
}

interface QueueItem {
  record: CallbackDeliveryRecord;
  /** The body without the secret (added at send time, so an edited secret applies). */
  json: string;
  confirmation: boolean;
  done?: () => void;
}

interface ServerQueue {
  group: GroupRecord;
  server: CallbackServerRecord;
  items: QueueItem[];
  running: boolean;
}

const ANSWER_LIMIT = 200;
const BACKPRESSURE_STATUSES: ReadonlySet<number> = new Set([410, 429, 503]);

/**
 * Pushes community events to callback servers as VK does (vk-protocol §5): a confirmation request
 * after a server is added or edited (the right code makes its status `ok`, anything else `failed`),
 * then every event whose type the server's settings enable, one at a time and in order per server,
 * with the server's `secret`. Anything but `200 ok` is retried with `X-Retry-Counter`; a 410/429/503
 * with `Retry-After` sets the delay of that retry. An answer `remove` deletes the server.
 */
export class CallbackPusher implements SandboxCallback {
  private readonly queues = new Map<CallbackServerRecord, ServerQueue>();
  private readonly records: CallbackDeliveryRecord[] = [];
  private readonly controllers = new Set<AbortController>();
  private readonly timers = new Map<ReturnType<typeof setTimeout>, () => void>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly options: ResolvedCallbackPusherOptions,
    private readonly groups: ReadonlyMap<number, GroupRecord>,
    private readonly now: () => number,
  ) {}

  /** The world's event sink: queues the event for every server of the community that takes it. */
  push(groupId: number, type: string, json: string): void {
    const group = this.groups.get(groupId);
    if (!group || group.callbackServers.length === 0 || this.closed) return;
    let eventId: string | undefined;
    for (const server of group.callbackServers) {
      if (server.status === 'failed') continue;
      // Types without a settings flag (vkpay_transaction, app_payload) are sent like the rest.
      if (server.settings.events[type] === 0) continue;
      eventId ??= eventIdOf(json);
      this.enqueue(group, server, { type, eventId }, json, false);
    }
  }

  /** A server was added or its URL/secret edited: VK asks it to confirm. Resolves to the new status. */
  serverChanged(group: GroupRecord, server: CallbackServerRecord): Promise<CallbackServerRecord['status']> {
    server.status = 'wait';
    const json = JSON.stringify({ type: 'confirmation', group_id: group.id });
    return new Promise((resolve) => {
      this.enqueue(group, server, { type: 'confirmation' }, json, true, () => resolve(server.status));
      if (this.closed) resolve(server.status);
    });
  }

  /** A server was deleted: whatever was queued for it is dropped. */
  serverRemoved(server: CallbackServerRecord): void {
    const queue = this.queues.get(server);
    if (!queue) return;
    for (const item of queue.items.splice(0)) this.finish(item, 'dropped');
    this.queues.delete(server);
    this.checkIdle();
  }

  deliveries(filter: CallbackDeliveryFilter = {}): CallbackDeliveryRecord[] {
    return this.records.filter(
      (record) =>
        (filter.groupId === undefined || record.groupId === filter.groupId) &&
        (filter.serverId === undefined || record.serverId === filter.serverId) &&
        (filter.type === undefined || record.type === filter.type) &&
        (filter.eventId === undefined || record.eventId === filter.eventId) &&
        (filter.status === undefined || record.status === filter.status),
    );
  }

  idle(timeoutMs = 10_000): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== done);
        reject(new Error(`sandbox: callback deliveries still pending after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }

  confirm(serverId: number, groupId?: number): Promise<CallbackServerRecord['status']> {
    for (const group of this.groups.values()) {
      if (groupId !== undefined && group.id !== groupId) continue;
      const server = group.callbackServers.find((candidate) => candidate.id === serverId);
      if (server) return this.serverChanged(group, server);
    }
    return Promise.reject(
      new VkwireConfigError(
        'Sandbox.callback.confirm',
        'serverId',
        'the id of a callback server of this sandbox',
        {
          got: serverId,
        },
      ),
    );
  }

  /** Stops every delivery: requests in flight are aborted, waiting retries dropped. */
  close(): void {
    this.closed = true;
    for (const controller of this.controllers) controller.abort();
    for (const [timer, wake] of this.timers) {
      clearTimeout(timer);
      wake();
    }
    this.timers.clear();
    for (const queue of this.queues.values())
      for (const item of queue.items.splice(0)) this.finish(item, 'dropped');
    this.queues.clear();
    this.checkIdle();
  }

  private enqueue(
    group: GroupRecord,
    server: CallbackServerRecord,
    what: { type: string; eventId?: string | undefined },
    json: string,
    confirmation: boolean,
    done?: () => void,
  ): void {
    let queue = this.queues.get(server);
    if (!queue) {
      queue = { group, server, items: [], running: false };
      this.queues.set(server, queue);
    }
    const record: CallbackDeliveryRecord = {
      groupId: group.id,
      serverId: server.id,
      url: server.url,
      type: what.type,
      ...(what.eventId === undefined ? {} : { eventId: what.eventId }),
      status: 'pending',
      attempts: [],
    };
    this.records.push(record);
    if (this.records.length > this.options.logSize * 1.25)
      this.records.splice(0, this.records.length - this.options.logSize);
    const item: QueueItem = { record, json, confirmation, ...(done ? { done } : {}) };
    // A confirmation goes before queued events: they wait for the server to be confirmed again.
    if (confirmation) queue.items.unshift(item);
    else queue.items.push(item);
    if (!queue.running) {
      queue.running = true;
      void this.run(queue);
    }
  }

  private async run(queue: ServerQueue): Promise<void> {
    try {
      while (!this.closed) {
        const item = queue.items.shift();
        if (!item) break;
        if (!queue.group.callbackServers.includes(queue.server)) {
          this.finish(item, 'dropped');
          continue;
        }
        if (item.confirmation) await this.confirmation(queue, item);
        else if (queue.server.status !== 'ok') this.finish(item, 'dropped');
        else await this.deliver(queue, item);
      }
    } finally {
      queue.running = false;
      if (queue.items.length === 0 && this.queues.get(queue.server) === queue)
        this.queues.delete(queue.server);
      this.checkIdle();
    }
  }

  private async confirmation(queue: ServerQueue, item: QueueItem): Promise<void> {
    const { server, group } = queue;
    const attempt = await this.post(server, item.json, 0);
    item.record.attempts.push(attempt);
    const confirmed = attempt.status === 200 && attempt.answer === group.confirmationCode;
    server.status = confirmed ? 'ok' : 'failed';
    this.finish(item, confirmed ? 'delivered' : 'failed');
  }

  private async deliver(queue: ServerQueue, item: QueueItem): Promise<void> {
    const { server, group } = queue;
    for (let retry = 0; !this.closed && group.callbackServers.includes(server); retry += 1) {
      const attempt = await this.post(server, item.json, retry);
      item.record.attempts.push(attempt);
      if (attempt.status === 200 && attempt.answer === 'ok') return this.finish(item, 'delivered');
      if (attempt.status === 200 && attempt.answer === 'remove') {
        group.callbackServers = group.callbackServers.filter((candidate) => candidate !== server);
        this.finish(item, 'removed');
        for (const rest of queue.items.splice(0)) this.finish(rest, 'dropped');
        return;
      }
      const version = /^version (\d+\.\d+)$/.exec(attempt.status === 200 ? attempt.answer : '');
      if (version?.[1]) server.settings.apiVersion = version[1];
      const delay = this.retryDelay(attempt, retry);
      if (delay === undefined) return this.finish(item, 'failed');
      attempt.nextDelayMs = delay;
      await this.sleep(delay);
    }
    this.finish(item, 'dropped');
  }

  /** The delay before retry number `retry + 1`, or undefined when VK would give up. */
  private retryDelay(attempt: CallbackAttemptRecord, retry: number): number | undefined {
    const scheduled = this.options.retryDelaysMs[retry];
    if (scheduled === undefined) return undefined;
    if (attempt.retryAfter === undefined || !BACKPRESSURE_STATUSES.has(attempt.status)) return scheduled;
    const seconds = retryAfterSeconds(attempt.retryAfter, Date.now());
    if (seconds === undefined || seconds >= this.options.maxRetryAfterSeconds) return scheduled;
    return seconds * this.options.retryAfterUnitMs;
  }

  private async post(
    server: CallbackServerRecord,
    json: string,
    retry: number,
  ): Promise<CallbackAttemptRecord> {
    const at = this.now();
    const body = server.secretKey
      ? `${json.slice(0, -1)},"secret":${JSON.stringify(server.secretKey)}}`
      : json;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (retry > 0) headers['x-retry-counter'] = String(retry);
    const controller = new AbortController();
    this.controllers.add(controller);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    try {
      const response = await fetch(server.url, {
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
        redirect: 'manual',
      });
      const text = await response.text();
      const retryAfter = response.headers.get('retry-after');
      return {
        retryCounter: retry,
        status: response.status,
        answer: text.length > ANSWER_LIMIT ? text.slice(0, ANSWER_LIMIT) : text,
        ...(retryAfter === null ? {} : { retryAfter }),
        at,
      };
    } catch {
      return { retryCounter: retry, status: 0, answer: '', error: timedOut ? 'timeout' : 'network', at };
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }

  private finish(item: QueueItem, status: CallbackDeliveryStatus): void {
    item.record.status = status;
    item.done?.();
  }

  private isIdle(): boolean {
    for (const queue of this.queues.values()) if (queue.running || queue.items.length > 0) return false;
    return true;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

const EVENT_ID_KEY = '"event_id":"';

/** The event_id of a serialized event, without parsing it (the bulk path emits many). */
function eventIdOf(json: string): string | undefined {
  const start = json.indexOf(EVENT_ID_KEY);
  if (start < 0) return undefined;
  const end = json.indexOf('"', start + EVENT_ID_KEY.length);
  return end < 0 ? undefined : json.slice(start + EVENT_ID_KEY.length, end);
}

/** Seconds a `Retry-After` value asks for (delta-seconds or an HTTP-date), or undefined when unreadable. */
export function retryAfterSeconds(value: string, nowMs: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
