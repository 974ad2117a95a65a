import { createHash } from 'node:crypto';

/** A stable, non-reversible name for a token: rate-limit keys and logs use it, never the token. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}
