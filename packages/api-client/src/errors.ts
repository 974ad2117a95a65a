/** VK error codes a caller is likely to handle (vk-protocol §2.3). Any other code still arrives as `VkApiError.code`. */
export const VkErrorCode = {
  UnknownError: 1,
  AppDisabled: 2,
  UnknownMethod: 3,
  AuthFailed: 5,
  TooManyRequests: 6,
  PermissionDenied: 7,
  InvalidRequest: 8,
  FloodControl: 9,
  InternalError: 10,
  ExecuteCompileError: 12,
  ExecuteRuntimeError: 13,
  CaptchaNeeded: 14,
  AccessDenied: 15,
  ValidationRequired: 17,
  UserDeleted: 18,
  ConfirmationRequired: 24,
  GroupAuthFailed: 27,
  AppAuthFailed: 28,
  RateLimitReached: 29,
  PrivateProfile: 30,
  InvalidParam: 100,
  InvalidUserId: 113,
  Blacklisted: 900,
  CantSendWithoutPermission: 901,
  PrivacyForbids: 902,
  KeyboardInvalid: 911,
  ChatBotDisabled: 912,
  MessageTooLong: 914,
  NoChatAccess: 917,
  TokenExpired: 1117,
} as const;

/** A known VK error code name. */
export type VkErrorCodeName = keyof typeof VkErrorCode;

/** The error object of VK's error envelope. */
export interface VkErrorObject {
  error_code: number;
  error_msg: string;
  request_params?: Array<{ key: string; value: string }>;
  [extra: string]: unknown;
}

/** What to do about some codes, appended to the message. */
const HINTS: Readonly<Record<number, string>> = {
  5: 'check that the access token is valid and not revoked',
  6: 'too many requests per second for this token',
  9: 'VK refuses repeated identical actions; do not retry at once',
  14: 'a captcha must be solved (pass onCaptcha to VkApi)',
  15: 'the token lacks the right for this call (for Long Poll: enable it in the community settings)',
  27: 'this method needs a user token, not a community token',
  901: 'the user has not allowed messages from the community',
  914: 'split the text into several messages',
};

/**
 * An error VK answered for a call. `params` are the request parameters without the access token.
 *
 * @example
 * try { await api.messages.send({ peer_id, message }) }
 * catch (error) { if (error instanceof VkApiError && error.code === VkErrorCode.CantSendWithoutPermission) forget(peer_id) }
 */
export class VkApiError extends Error {
  override name = 'VkApiError';
  /** VK's `error_code`. */
  readonly code: number;
  /** The method that failed (the inner method for calls batched into `execute`). */
  readonly method: string;
  /** Request parameters, without the access token. */
  readonly params: Readonly<Record<string, string>>;
  /** VK's `error_msg`. */
  readonly vkMessage: string;
  /** `error_subcode`, when VK sent one. */
  readonly subcode: number | undefined;
  /** Extra keys VK sent with the error (captcha_sid, redirect_uri, confirmation_text, ...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(error: VkErrorObject, method: string, params: Readonly<Record<string, string>>) {
    const hint = HINTS[error.error_code];
    super(`${method} failed: error ${error.error_code} ${error.error_msg}${hint ? ` — ${hint}` : ''}`);
    this.code = error.error_code;
    this.method = method;
    this.params = params;
    this.vkMessage = error.error_msg;
    const { error_code: _code, error_msg: _msg, request_params: _params, error_subcode, ...details } = error;
    this.subcode = typeof error_subcode === 'number' ? error_subcode : undefined;
    this.details = details;
  }
}

/** Error 5 (and 27, 28, 1117): the token is invalid, revoked, expired or of the wrong kind. */
export class VkAuthError extends VkApiError {
  override name = 'VkAuthError';
}

/** Error 6: too many requests per second (retried automatically; seen only when retries ran out). */
export class VkRateLimitError extends VkApiError {
  override name = 'VkRateLimitError';
}

/** Error 9: flood control. Never retried automatically. */
export class VkFloodError extends VkApiError {
  override name = 'VkFloodError';
}

/** Error 10: VK's internal error (retried automatically; seen only when retries ran out). */
export class VkInternalError extends VkApiError {
  override name = 'VkInternalError';
}

/** Error 14: a captcha. Carries both forms VK uses (legacy sid/img and the current redirect_uri). */
export class VkCaptchaError extends VkApiError {
  override name = 'VkCaptchaError';
  /** Legacy form: answer with `captcha_sid` + `captcha_key`. */
  get sid(): string | undefined {
    const sid = this.details.captcha_sid;
    return sid === undefined ? undefined : String(sid);
  }
  /** Legacy form: the picture to show. */
  get img(): string | undefined {
    return typeof this.details.captcha_img === 'string' ? this.details.captcha_img : undefined;
  }
  /** Current form: the page a person opens; answer with `success_token`. */
  get redirectUri(): string | undefined {
    return typeof this.details.redirect_uri === 'string' ? this.details.redirect_uri : undefined;
  }
  /** Current form: sent back with the success token. */
  get remixstlid(): string | undefined {
    const value = this.details.remixstlid;
    return value === undefined ? undefined : String(value);
  }
}

/** Error 15: access denied. */
export class VkAccessError extends VkApiError {
  override name = 'VkAccessError';
}

/** Error 100: a parameter is missing or invalid (a bug in the call). */
export class VkParamError extends VkApiError {
  override name = 'VkParamError';
}

/** Errors 900, 901, 902: the community may not message this user. */
export class VkMessagePermissionError extends VkApiError {
  override name = 'VkMessagePermissionError';
}

/** Error 914: the message text is too long. */
export class VkMessageTooLongError extends VkApiError {
  override name = 'VkMessageTooLongError';
}

const CLASSES: ReadonlyMap<number, typeof VkApiError> = new Map([
  [5, VkAuthError],
  [27, VkAuthError],
  [28, VkAuthError],
  [1117, VkAuthError],
  [6, VkRateLimitError],
  [9, VkFloodError],
  [10, VkInternalError],
  [14, VkCaptchaError],
  [15, VkAccessError],
  [100, VkParamError],
  [900, VkMessagePermissionError],
  [901, VkMessagePermissionError],
  [902, VkMessagePermissionError],
  [914, VkMessageTooLongError],
]);

/** The most specific error class for a VK error object. */
export function createApiError(
  error: VkErrorObject,
  method: string,
  params: Readonly<Record<string, string>>,
): VkApiError {
  const ErrorClass = CLASSES.get(error.error_code) ?? VkApiError;
  return new ErrorClass(error, method, params);
}

/** The request never got an answer: connection refused or reset, DNS, TLS, or a timeout. */
export class VkNetworkError extends Error {
  override name = 'VkNetworkError';
  /** `'timeout'` when the answer did not come in time, `'network'` otherwise. */
  readonly code: 'network' | 'timeout';
  /** The method (or upload) that failed. */
  readonly method: string;

  constructor(method: string, code: 'network' | 'timeout', cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${method}: ${code === 'timeout' ? 'no answer in time' : 'network failure'} (${detail})`, {
      cause,
    });
    this.code = code;
    this.method = method;
  }
}

/**
 * An answer that is not VK's JSON envelope: shows the HTTP status and the start of the body.
 * With `code: 'bad_response'` (a proxy's 5xx page, a garbled answer) the call was retried before
 * this surfaced; a `VkEndpointError` (`code: 'bad_endpoint'`) is never retried.
 */
export class VkResponseError extends Error {
  override name = 'VkResponseError';
  /** `'bad_response'`, or `'bad_endpoint'` for a {@link VkEndpointError}. */
  readonly code: 'bad_response' | 'bad_endpoint' = 'bad_response';
  /** The method whose answer it was. */
  readonly method: string;
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The first 200 characters of the body. */
  readonly excerpt: string;

  constructor(method: string, status: number, body: string, reason = 'not a VK JSON answer') {
    const excerpt = body.slice(0, 200);
    super(`${method}: ${reason} (HTTP ${status}): ${JSON.stringify(excerpt)}`);
    this.method = method;
    this.status = status;
    this.excerpt = excerpt;
  }
}

/**
 * The API base answered like no VK API does (a redirect, a 4xx page, a non-JSON body, JSON with
 * neither `response` nor `error`): almost always a `baseUrl` that does not end with `/method`.
 * Not transient, so it fails at once instead of being retried.
 *
 * @example
 * // new VkApi({ token, baseUrl: 'https://api.vk.com' })  ->  VkEndpointError: users.get: https://api.vk.com/users.get answered HTTP 404 ... `baseUrl` must end with /method
 */
export class VkEndpointError extends VkResponseError {
  override name = 'VkEndpointError';
  override readonly code = 'bad_endpoint' as const;
  /** The URL that was asked (without the token, which travels in the body). */
  readonly url: string;

  constructor(method: string, url: string, status: number, body: string, reason: string) {
    super(
      method,
      status,
      body,
      `${url} ${reason} — is \`baseUrl\` right? It must be the API base ending with /method (e.g. https://api.vk.com/method)`,
    );
    this.url = url;
  }
}

/** An upload server refused or garbled an upload. */
export class VkUploadError extends Error {
  override name = 'VkUploadError';
  readonly code = 'upload_failed';
  /** The HTTP status of the failed answer (200 when the answer was garbled). */
  readonly status: number;
  /** The first 200 characters of the answer. */
  readonly excerpt: string;

  constructor(what: string, status: number, body: string, reason: string) {
    const excerpt = body.slice(0, 200);
    super(`upload of ${what} failed: ${reason} (HTTP ${status}): ${JSON.stringify(excerpt)}`);
    this.status = status;
    this.excerpt = excerpt;
  }
}

/**
 * A call made after `api.close()`, or one still unanswered when `close()` gave up waiting
 * (`closeTimeoutMs`).
 */
export class VkClosedError extends Error {
  override name = 'VkClosedError';
  readonly code = 'closed';
  /** The method of the refused or abandoned call. */
  readonly method: string;

  constructor(method: string, abandoned = false) {
    super(
      abandoned
        ? `${method}: the VkApi was closed before the call was answered (closeTimeoutMs ran out)`
        : `${method}: the VkApi is closed`,
    );
    this.method = method;
  }
}
