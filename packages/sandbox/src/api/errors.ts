/** VK's standard texts for the error codes the sandbox produces (error_msg prefix). */
const ERROR_TEXTS: Readonly<Record<number, string>> = {
  1: 'Unknown error occurred',
  3: 'Unknown method passed',
  5: 'User authorization failed',
  6: 'Too many requests per second',
  8: 'Invalid request',
  9: 'Flood control',
  10: 'Internal server error',
  12: 'Unable to compile code',
  13: 'Runtime error occurred during code invocation',
  14: 'Captcha needed',
  15: 'Access denied',
  18: 'User was deleted or banned',
  27: 'Group authorization failed',
  100: 'One of the parameters specified was missing or invalid',
  104: 'Not found',
  113: 'Invalid user id',
  900: "Can't send messages for users from blacklist",
  901: "Can't send messages for users without permission",
  909: "Can't edit this message, because it's too old",
  911: 'Keyboard format is invalid',
  914: 'Message is too long',
  917: "You don't have access to this chat",
  920: "Can't edit this kind of message",
  925: 'You are not admin of this chat',
  935: 'User not found in chat',
  2000: 'Servers number limit is reached',
};

/**
 * An API error the sandbox answers with VK's error envelope. `detail` is appended to VK's
 * standard text the way VK does it (`One of the parameters ...: random_id is a required parameter`).
 */
export class VkError extends Error {
  override readonly name = 'VkError';
  /** VK's `error_code`. */
  readonly code: number;
  /** Extra keys VK adds to some errors (captcha_sid, redirect_uri, ...). */
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(code: number, detail?: string, extra: Record<string, unknown> = {}) {
    const base = ERROR_TEXTS[code] ?? 'Unknown error occurred';
    super(detail === undefined ? base : `${base}: ${detail}`);
    this.code = code;
    this.extra = extra;
  }
}

/** Shorthand for error 100 naming the parameter that is wrong. */
export function invalidParam(detail: string): VkError {
  return new VkError(100, detail);
}
