import type * as z from 'zod';

/** Why an update could not be parsed. */
export type VkUpdateParseErrorCode =
  /** The value is not a JSON object. */
  | 'not_an_object'
  /** `type`, `object`, `group_id` or `event_id` is missing or has the wrong type. */
  | 'invalid_envelope'
  /** The `object` of a known event type does not match its schema. */
  | 'invalid_object'
  /** A Callback API `confirmation` request: answer it with the confirmation code, it is not an update. */
  | 'confirmation_request'
  /** VK sent a deprecated-API-version warning instead of the object: the stream is set to an old `api_version`. */
  | 'deprecated_api_version';

/** One problem found in an update, without the offending value (it may be private). */
export interface VkParseIssue {
  /** Where, from the update's root, e.g. `['object', 'message', 'peer_id']`. */
  path: readonly (string | number)[];
  /** What was wrong, e.g. `Invalid input: expected number, received string`. */
  message: string;
}

/**
 * A malformed update. The message names the event type, its `event_id` and the failing path; it
 * never contains values from the update (a Callback body may carry the `secret`).
 *
 * @example
 * try {
 *   parseUpdate(body);
 * } catch (error) {
 *   if (error instanceof VkUpdateParseError && error.code === 'invalid_object') log.warn(error.path);
 * }
 */
export class VkUpdateParseError extends Error {
  override readonly name = 'VkUpdateParseError';
  /** Machine-readable reason. */
  readonly code: VkUpdateParseErrorCode;
  /** Path of the first problem from the update's root (`[]` when the whole value is wrong). */
  readonly path: readonly (string | number)[];
  /** Every problem found (first one first). */
  readonly issues: readonly VkParseIssue[];
  /** The update's `type` when it had a string one. */
  readonly eventType: string | null;
  /** The update's `event_id` when it had a string one. */
  readonly eventId: string | null;

  constructor(options: {
    code: VkUpdateParseErrorCode;
    message: string;
    issues?: readonly VkParseIssue[];
    eventType?: string | null;
    eventId?: string | null;
  }) {
    const issues = options.issues ?? [];
    const first = issues[0];
    const where = first ? ` at ${formatPath(first.path)}: ${first.message}` : '';
    super(`${options.message}${where}`);
    this.code = options.code;
    this.issues = issues;
    this.path = first?.path ?? [];
    this.eventType = options.eventType ?? null;
    this.eventId = options.eventId ?? null;
  }
}

/** Why a normalized event (e.g. read back from a bus) was rejected. */
export type VkwireEventParseErrorCode =
  /** The text is not JSON. */
  | 'invalid_json'
  /** The value does not match the normalized event schema. */
  | 'invalid_event'
  /** `schema_version` is not one this version of the package reads. */
  | 'unsupported_schema_version';

/**
 * A normalized event that does not match {@link vkwireEventSchema}, e.g. one read from Redis that an
 * incompatible producer wrote.
 *
 * @example
 * const event = parseEvent(await redis.lPop('events')); // throws VkwireEventParseError
 */
export class VkwireEventParseError extends Error {
  override readonly name = 'VkwireEventParseError';
  /** Machine-readable reason. */
  readonly code: VkwireEventParseErrorCode;
  /** Path of the first problem (`[]` when the whole value is wrong). */
  readonly path: readonly (string | number)[];
  /** Every problem found (first one first). */
  readonly issues: readonly VkParseIssue[];

  constructor(options: {
    code: VkwireEventParseErrorCode;
    message: string;
    issues?: readonly VkParseIssue[];
  }) {
    const issues = options.issues ?? [];
    const first = issues[0];
    const where = first ? ` at ${formatPath(first.path)}: ${first.message}` : '';
    super(`${options.message}${where}`);
    this.code = options.code;
    this.issues = issues;
    this.path = first?.path ?? [];
  }
}

/** `['object', 'message', 'attachments', 0]` → `object.message.attachments[0]`. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`;
  }
  return text;
}

/**
 * zod issues → our issues, with `prefix` prepended to paths. A failed union reports the branch that
 * got furthest (a photo attachment with a bad `photo.id` reports `photo.id`, not "no branch matched").
 */
export function issuesFromZod(
  error: z.core.$ZodError,
  prefix: readonly (string | number)[] = [],
): VkParseIssue[] {
  const out: VkParseIssue[] = [];
  const visit = (issue: z.core.$ZodIssue, base: readonly (string | number)[]): void => {
    const path = [...base, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const deepest = deepestBranch(issue.errors);
      if (deepest) {
        for (const inner of deepest) visit(inner, path);
        return;
      }
    }
    out.push({ path, message: issue.message });
  };
  for (const issue of error.issues) visit(issue, prefix);
  return out;
}

function deepestBranch(branches: z.core.$ZodIssue[][]): z.core.$ZodIssue[] | undefined {
  let best: z.core.$ZodIssue[] | undefined;
  let bestDepth = -1;
  for (const branch of branches) {
    const depth = Math.max(-1, ...branch.map((issue) => issueDepth(issue)));
    if (depth > bestDepth) {
      best = branch;
      bestDepth = depth;
    }
  }
  return best;
}

function issueDepth(issue: z.core.$ZodIssue): number {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    return issue.path.length + Math.max(...issue.errors.flat().map(issueDepth));
  }
  return issue.path.length;
}
