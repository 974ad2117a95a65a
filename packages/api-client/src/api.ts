import { defaultLogger, type Logger, VK_API_VERSION } from '@vkwire/core';
import { encodeParams, type ParamValue } from './encode.js';
import {
  type ApiHooks,
  type CallOptions,
  type CaptchaHandler,
  RequestEngine,
  type RetryOptions,
  type WireResult,
} from './engine.js';
import { VkApiError, VkEndpointError, type VkErrorObject, VkResponseError } from './errors.js';
import { isScriptableMethod } from './execute-code.js';
import type { VkMethods } from './generated/methods.js';
import type { VkApiSections, VkCallArgs, VkMethodName } from './method-types.js';
import { nextRandomId } from './random-id.js';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.js';
import { tokenFingerprint } from './token.js';
import { HttpTransport } from './transport.js';
import { Uploads } from './upload.js';
import { checkOptions } from './validate-options.js';

/** Options of `new VkApi(...)`. Only `token` is required. */
export interface VkApiOptions {
  /** A community or user access token. Never logged, never in errors. */
  token: string;
  /** API version. @default VK_API_VERSION of @vkwire/core ('5.199') */
  version?: string;
  /**
   * API base including `/method`. An address that answers unlike VK's API (a redirect, a 4xx
   * page, no JSON) fails the call at once with `VkEndpointError`. @default 'https://api.vk.com/method'
   */
  baseUrl?: string;
  /**
   * Kind of token; when left out it is detected with one `groups.getById` call, which every first
   * call waits for (so each is paced at the right rate).
   */
  tokenType?: 'group' | 'user';
  /** Requests per second. @default 20 for community tokens, 3 for user tokens */
  requestsPerSecond?: number;
  /** Where the rate is enforced. @default one in-process limiter shared by every VkApi of the process */
  rateLimiter?: RateLimiter;
  /** Pack calls that wait for the limiter into `execute` (up to 25). @default true for community tokens */
  batching?: boolean;
  /** Retries of transient failures. */
  retry?: RetryOptions;
  /** Milliseconds each HTTP attempt may take. @default 10000 */
  timeoutMs?: number;
  /**
   * How long `close()` waits for queued and in-flight calls; those still open then fail with
   * `VkClosedError` and their requests are cut. `Infinity` waits as long as they take. @default 30000
   */
  closeTimeoutMs?: number;
  /** Solves captchas (error 14) so calls can be repeated; without it they fail with VkCaptchaError. */
  onCaptcha?: CaptchaHandler;
  /** Before- and after-call hooks for metrics; what they throw is logged, never given to the call. */
  hooks?: ApiHooks;
  /**
   * Where debug lines (each request, each retry) and warnings and errors (a throwing hook or
   * captcha handler, a failing rate limiter, calls abandoned by close()) go; pino-compatible.
   * @default defaultLogger of @vkwire/core: warnings and errors to stderr, rate-limited; no debug
   */
  logger?: Logger;
  /** `lang` sent with every call (e.g. 'ru', 'en'). */
  language?: string;
}

/** What a token is, from `api.tokenInfo()`. */
export type TokenInfo =
  | { type: 'group'; groupId: number; name: string; screenName: string }
  | { type: 'user' };

const sharedLimiter = new MemoryRateLimiter();

/** Methods that must go alone: uploads' save methods and execute itself. */
function isBatchable(method: string): boolean {
  return method !== 'execute' && !/\.save/.test(method) && isScriptableMethod(method);
}

function isErrorObject(value: unknown): value is VkErrorObject {
  return (
    typeof value === 'object' && value !== null && typeof (value as VkErrorObject).error_code === 'number'
  );
}

/**
 * The VK API client: typed methods, a rate limit per token, automatic `execute` batching,
 * retries of transient failures, typed errors, uploads.
 *
 * @example
 * const api = new VkApi({ token: process.env.VK_TOKEN! });
 * const id = await api.messages.send({ peer_id: 1, message: 'hi' });   // random_id is filled in
 * const [user] = await api.users.get({ user_ids: [1], fields: ['screen_name'] });
 * await api.close();
 */
class VkApiClient {
  /** Message photo, document and voice message uploads. */
  readonly upload: Uploads;
  private readonly engine: RequestEngine;
  private readonly transport = new HttpTransport();
  /** The API base calls go to, without a trailing slash (`https://api.vk.com/method` by default). */
  readonly baseUrl: string;
  private readonly key: string;
  private tokenType: 'group' | 'user' | undefined;
  /** Set while `groups.getById` asks what the token is. */
  private detecting = false;
  private info: Promise<TokenInfo> | undefined;
  private readonly logger: Logger;
  private closing: Promise<void> | undefined;
  /** The options without the token: a client printed or serialized whole must not show it. */
  private readonly options: Readonly<Omit<VkApiOptions, 'token'>>;

  constructor(options: VkApiOptions) {
    checkOptions(options);
    const { token, ...rest } = options;
    this.options = rest;
    this.logger = options.logger ?? defaultLogger;
    this.baseUrl = (options.baseUrl ?? 'https://api.vk.com/method').replace(/\/+$/, '');
    this.key = tokenFingerprint(token);
    this.tokenType = options.tokenType;
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.engine = new RequestEngine({
      limiter: options.rateLimiter ?? sharedLimiter,
      slot: () => ({ key: this.key, limit: this.requestsPerSecond(), windowMs: 1000 }),
      batching: () => options.batching ?? this.tokenType === 'group',
      // The token lives only in this closure, out of reach of inspect() and JSON.stringify().
      send: (method, params, signal, timeout) => this.send(token, method, params, signal, timeout),
      retry: {
        attempts: options.retry?.attempts ?? 5,
        baseDelayMs: options.retry?.baseDelayMs ?? 200,
        maxDelayMs: options.retry?.maxDelayMs ?? 5000,
        rateLimitDelayMs: options.retry?.rateLimitDelayMs ?? 1000,
      },
      onCaptcha: options.onCaptcha,
      hooks: options.hooks,
      logger: this.logger,
      timeoutMs,
      maxBatch: 25,
    });
    this.upload = new Uploads(
      (method, params, callOptions) => this.call(method, params, callOptions),
      this.transport,
      timeoutMs,
    );
  }

  /**
   * Calls a method by name. Typed for every VK method; any other name works untyped.
   *
   * @example
   * await api.call('messages.setActivity', { peer_id: 1, type: 'typing' });
   */
  call<M extends VkMethodName>(method: M, ...args: VkCallArgs<M>): Promise<VkMethods[M]['response']>;
  // messages.send is held to its recipient rule above, never to this untyped fallback.
  call<N extends string>(
    method: N & (N extends 'messages.send' ? never : unknown),
    params?: Readonly<Record<string, ParamValue>>,
    options?: CallOptions,
  ): Promise<unknown>;
  async call(
    method: string,
    params: Readonly<Record<string, ParamValue>> = {},
    options: CallOptions = {},
  ): Promise<unknown> {
    const encoded = encodeParams(params);
    // VK drops a send whose random_id it saw recently, so every send gets a fresh one, fixed
    // across retries of that send.
    if (method === 'messages.send' && encoded.random_id === undefined)
      encoded.random_id = String(nextRandomId());
    delete encoded.access_token;
    // Every call waits for the token's kind (its rate depends on it), groups.getById included.
    // A failed detection is not the call's failure: it goes out at the user-token rate.
    const detected = this.tokenType === undefined ? this.tokenInfo() : undefined;
    return this.engine.call(method, encoded, options, isBatchable(method), detected);
  }

  /**
   * What the token is: a community token (with its community) or a user token. Asked once with
   * `groups.getById` and cached.
   */
  tokenInfo(): Promise<TokenInfo> {
    this.info ??= this.detect();
    return this.info;
  }

  /**
   * Waits for every queued call to settle (at most `closeTimeoutMs`: calls still open then fail
   * with VkClosedError and their requests are cut), then closes the connections. Later calls fail
   * with VkClosedError. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const abandoned = await this.engine.close(this.options.closeTimeoutMs ?? 30_000);
    if (abandoned > 0)
      this.logger.warn(
        { abandoned, closeTimeoutMs: this.options.closeTimeoutMs ?? 30_000 },
        'VkApi.close() gave up waiting: calls still open failed with VkClosedError',
      );
    await this.transport.close(abandoned > 0);
  }

  private async detect(): Promise<TokenInfo> {
    this.detecting = true;
    try {
      type Community = { id: number; name: string; screen_name: string };
      const answer = (await this.engine.call('groups.getById', {}, { batch: false }, false)) as
        | { groups?: Community[] }
        | Community[];
      // 5.199 answers { groups, profiles }; versions before that change answer the array itself.
      const group = Array.isArray(answer) ? answer[0] : answer.groups?.[0];
      if (!group)
        throw new VkResponseError(
          'groups.getById',
          200,
          JSON.stringify(answer),
          'no community in the answer',
        );
      this.tokenType = 'group';
      return { type: 'group', groupId: group.id, name: group.name, screenName: group.screen_name };
    } catch (error) {
      // A user token cannot call groups.getById without ids: VK answers 100 (or 27/15).
      if (error instanceof VkApiError && [100, 27, 15].includes(error.code)) {
        this.tokenType = 'user';
        return { type: 'user' };
      }
      this.info = undefined;
      throw error;
    } finally {
      this.detecting = false;
    }
  }

  private requestsPerSecond(): number {
    if (this.options.requestsPerSecond !== undefined) return this.options.requestsPerSecond;
    // The detecting call goes alone (every other call waits for it) and at the community rate:
    // paced at the user rate it would never be let through while other clients of the same
    // token keep a shared limiter's window at 20 a second. For a user token it is one request
    // over the user rate at worst, and an error 6 is retried.
    return this.tokenType === 'group' || this.detecting ? 20 : 3;
  }

  private async send(
    token: string,
    method: string,
    params: Readonly<Record<string, string>>,
    signal: AbortSignal | undefined,
    timeoutMs: number,
  ): Promise<WireResult> {
    const body = new URLSearchParams(params);
    body.set('access_token', token);
    body.set('v', this.options.version ?? VK_API_VERSION);
    if (this.options.language !== undefined) body.set('lang', this.options.language);
    const answer = await this.transport.postForm(new URL(`${this.baseUrl}/${method}`), body.toString(), {
      timeoutMs,
      signal,
      label: method,
    });
    let parsed: unknown;
    let json = true;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      json = false;
    }
    if (typeof parsed === 'object' && parsed !== null) {
      const envelope = parsed as { response?: unknown; error?: unknown; execute_errors?: unknown };
      if (isErrorObject(envelope.error)) return { kind: 'error', error: envelope.error };
      if ('response' in envelope) {
        const executeErrors = Array.isArray(envelope.execute_errors)
          ? envelope.execute_errors.filter(isErrorObject)
          : [];
        return { kind: 'response', response: envelope.response, executeErrors };
      }
    }
    const reason = json ? 'neither `response` nor `error` in the answer' : 'not a VK JSON answer';
    // The error quotes the answer, and an echo service or a proxy may have echoed the request.
    const quoted = withoutToken(answer.body, token);
    // A 5xx page is a proxy or VK in trouble: worth a retry. Anything else answers the same each time.
    if (answer.status >= 500) throw new VkResponseError(method, answer.status, quoted, reason);
    throw new VkEndpointError(method, this.publicUrl(method), answer.status, quoted, `answered ${reason}`);
  }

  /** The URL of a method without credentials or a query, for messages. */
  private publicUrl(method: string): string {
    const url = new URL(this.baseUrl);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}/${method}`;
  }
}

/** `text` with every occurrence of the token (as sent, or URL-encoded) replaced by `<token>`. */
function withoutToken(text: string, token: string): string {
  let redacted = text;
  for (const form of new Set([
    token,
    encodeURIComponent(token),
    new URLSearchParams({ t: token }).toString().slice(2),
  ]))
    redacted = redacted.replaceAll(form, '<token>');
  return redacted;
}

/** The VK API client (see `VkApiOptions`); every section of the API is a property: `api.messages.send(...)`. */
export type VkApi = VkApiClient & VkApiSections;

/** Any property that is not the client's own is an API section whose properties are its methods. */
function withSections(client: VkApiClient): VkApi {
  const sections = new Map<string, unknown>();
  const section = (name: string): unknown =>
    new Proxy(
      {},
      {
        get: (_target, method) =>
          typeof method === 'string'
            ? (params?: Record<string, ParamValue>, options?: CallOptions) =>
                client.call(`${name}.${method}`, params, options)
            : undefined,
      },
    );
  return new Proxy(client, {
    get: (target, property, receiver) => {
      if (typeof property !== 'string' || property in target) return Reflect.get(target, property, receiver);
      let found = sections.get(property);
      if (found === undefined) {
        found = section(property);
        sections.set(property, found);
      }
      return found;
    },
  }) as VkApi;
}

/** Creates the client: `new VkApi(options)`. */
export const VkApi = function VkApi(options: VkApiOptions): VkApi {
  return withSections(new VkApiClient(options));
} as unknown as new (
  options: VkApiOptions,
) => VkApi;
