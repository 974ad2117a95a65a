import { VkwireConfigError } from '@vkwire/core';

/** The keys of one community served by a callback endpoint. */
export interface CallbackGroupConfig {
  /** The community's id (`group_id` of its requests). */
  groupId: number;
  /**
   * The secret key of its callback server (`secret` in every request). Leave it out only for a
   * server configured without one: then anybody who knows the URL can post events.
   */
  secret?: string | undefined;
  /** The string to answer VK's `confirmation` request with (`groups.getCallbackConfirmationCode`). */
  confirmation: string;
}

/**
 * The communities one endpoint serves, by `group_id`. Changeable while the endpoint runs (that is
 * how `configureCallbackServer` hands over a freshly generated secret and confirmation code).
 *
 * @example
 * const groups = new CallbackGroups([{ groupId: 1, secret: 's', confirmation: 'c0de' }]);
 * const app = createCallbackHandler({ groups, onUpdate });
 * groups.set({ groupId: 2, secret: 't', confirmation: 'f00d' }); // served from now on
 */
export class CallbackGroups {
  // A true private field: `console.log(groups)` and `JSON.stringify` cannot reach the secrets.
  readonly #byId = new Map<number, Readonly<CallbackGroupConfig>>();

  constructor(groups: Iterable<CallbackGroupConfig> = []) {
    for (const group of groups) this.set(group);
  }

  /**
   * Adds a community or replaces its keys.
   * @throws VkwireConfigError (`invalid_option`) for a bad group id, confirmation code or secret
   */
  set(group: CallbackGroupConfig): this {
    if (typeof group !== 'object' || group === null)
      throw new VkwireConfigError(
        'CallbackGroups',
        'groups[]',
        'an object { groupId, secret?, confirmation }',
        {
          got: group,
        },
      );
    if (!Number.isSafeInteger(group.groupId) || group.groupId <= 0)
      throw new VkwireConfigError('CallbackGroups', 'groupId', 'a positive integer (a number)', {
        got: group.groupId,
      });
    if (typeof group.confirmation !== 'string' || group.confirmation === '')
      throw new VkwireConfigError(
        `CallbackGroups (community ${group.groupId})`,
        'confirmation',
        'a non-empty string (groups.getCallbackConfirmationCode)',
        { got: group.confirmation },
      );
    if (group.secret !== undefined && (typeof group.secret !== 'string' || group.secret === ''))
      throw new VkwireConfigError(
        `CallbackGroups (community ${group.groupId})`,
        'secret',
        'a non-empty string or left out',
        { got: group.secret, secret: true },
      );
    this.#byId.set(group.groupId, { ...group });
    return this;
  }

  /** The keys of a community, or undefined when it is not served here. */
  get(groupId: number): Readonly<CallbackGroupConfig> | undefined {
    return this.#byId.get(groupId);
  }

  /** Stops serving a community. */
  delete(groupId: number): boolean {
    return this.#byId.delete(groupId);
  }

  /** Ids of the communities served. */
  ids(): number[] {
    return [...this.#byId.keys()];
  }

  /** How many communities are served. */
  get size(): number {
    return this.#byId.size;
  }

  /** What `JSON.stringify` shows: the communities served, never their secrets or codes. */
  toJSON(): { groupIds: number[] } {
    return { groupIds: this.ids() };
  }

  /** What Node's `inspect` (`console.log`) shows: the communities served, never their secrets. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `CallbackGroups { groupIds: [${this.ids().join(', ')}] }`;
  }
}

/**
 * Compares a received secret with the expected one in time that depends only on the expected
 * secret's length (no early exit), so the answer time tells an attacker nothing. Pure JS: runs
 * on every runtime hono does.
 */
export function secretMatches(expected: string, received: unknown): boolean {
  if (typeof received !== 'string') return false;
  let diff = expected.length ^ received.length;
  const length = received.length;
  for (let index = 0; index < expected.length; index += 1) {
    // A received secret of another length already set diff; the loop still runs in full.
    diff |= expected.charCodeAt(index) ^ (length === 0 ? 0 : received.charCodeAt(index % length));
  }
  return diff === 0;
}
