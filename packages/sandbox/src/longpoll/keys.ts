import { randomHex } from '../ids.js';

/**
 * Long Poll keys: each valid for one stream owner (a community for the Bots Long Poll, an account
 * for the User Long Poll) until it expires or its owner's keys are expired (`failed: 2` or `3`).
 */
export class LongPollKeys {
  private readonly keys = new Map<string, { owner: number; expires: number }>();

  /** `ttlMs` is read at each issue (the options may not exist yet when the owner is built). */
  constructor(private readonly ttlMs: () => number) {}

  /** A fresh key for an owner's stream. */
  issue(owner: number): string {
    const key = randomHex(20);
    const now = Date.now();
    this.keys.set(key, { owner, expires: now + this.ttlMs() });
    // Drop expired keys now and then so a client that asks for keys in a loop cannot grow the map.
    if (this.keys.size > 1000) {
      for (const [candidate, entry] of this.keys) if (entry.expires <= now) this.keys.delete(candidate);
    }
    return key;
  }

  /** The owner a key is valid for, or undefined when unknown or expired. */
  owner(key: string): number | undefined {
    const entry = this.keys.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.keys.delete(key);
      return undefined;
    }
    return entry.owner;
  }

  /** Makes every key of an owner invalid. */
  expire(owner: number): void {
    for (const [key, entry] of this.keys) if (entry.owner === owner) this.keys.delete(key);
  }
}
