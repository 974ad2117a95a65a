import { VkApiError } from '@vkwire/api-client';
import { LongPollRefusedError } from './errors.js';

/** VK error codes that mean the token itself is refused: invalid or revoked (5), wrong kind (27, 28), expired (1117). */
const AUTH_CODES: ReadonlySet<number> = new Set([5, 27, 28, 1117]);

/** Who was refused: the client, and the community it polls. */
export interface RefusalContext {
  /** `GroupLongPoll` or `UserLongPoll`. */
  component: string;
  /** The community, when there is one. */
  groupId: number | undefined;
}

// The API client's error keeps VK's numeric code; read it without depending on its other fields.
function vkCodeOf(error: VkApiError): number | undefined {
  const fields = error as unknown as { code?: unknown; vkCode?: unknown; errorCode?: unknown };
  for (const value of [fields.vkCode, fields.errorCode, fields.code])
    if (typeof value === 'number') return value;
  return undefined;
}

/**
 * The typed fatal error for an API error no retry can fix (a refused token, no access, Long Poll
 * switched off), or undefined when the error may pass (a network fault, VK's error 10, a rate limit).
 */
export function refusal(error: unknown, context: RefusalContext): LongPollRefusedError | undefined {
  if (!(error instanceof VkApiError)) return undefined;
  const code = vkCodeOf(error);
  if (code === undefined) return undefined;
  const { component, groupId } = context;
  const method = error.method;
  const vk = `VK error ${code}${typeof error.vkMessage === 'string' ? `: ${error.vkMessage}` : ''}`;
  const community = groupId === undefined ? 'the account' : `community ${groupId}`;
  if (AUTH_CODES.has(code))
    return new LongPollRefusedError(
      'long_poll_auth',
      code,
      `${component}: ${method} refused the token (${vk}): it is invalid, revoked, expired or of the wrong kind — get a new token`,
      { cause: error },
    );
  if (code === 15)
    return new LongPollRefusedError(
      'long_poll_access_denied',
      code,
      `${component}: no access to the Long Poll of ${community} (${vk}): the group id is wrong, or the token is not this community's (a user token needs its admin rights${component === 'UserLongPoll' ? ' and the messages scope' : ''})`,
      { cause: error },
    );
  if (code === 100 && /not enabled/i.test(error.message))
    return new LongPollRefusedError(
      'long_poll_disabled',
      code,
      `${component}: Long Poll is switched off for ${community} (${vk}): enable it in the community's settings (API usage → Long Poll API), or pass ensureSettings: true`,
      { cause: error },
    );
  if (code === 100)
    return new LongPollRefusedError(
      'long_poll_access_denied',
      code,
      `${component}: ${method} rejected its parameters (${vk}): check the group id`,
      { cause: error },
    );
  return undefined;
}
