import { randomBytes } from 'node:crypto';

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** An access token in VK's current `vk1.a.` form. */
export function newAccessToken(): string {
  return `vk1.a.${randomBytes(48).toString('base64url')}`;
}

/**
 * Unique 40-hex event ids without a random draw per event: a random prefix per sandbox and a
 * counter. Bulk benchmarks create hundreds of thousands of events, so this stays allocation-light.
 */
export class EventIdSource {
  private readonly prefix = randomHex(12);
  private counter = 0;

  /** The next event id. */
  next(): string {
    this.counter += 1;
    return this.prefix + this.counter.toString(16).padStart(16, '0');
  }
}

/** Current Unix time in seconds, as VK stamps objects. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
