import type { RateLimiter } from '@vkwire/api-client';
import { connectRedis, type RedisInput } from '../src/connection.js';

/** What {@link measureSharedRate} saw. */
export interface SharedRate {
  /** Most grants whose requests arrived within any 1000 ms of Redis's clock. */
  worstWindow: number;
  /** Grants per second over the run, all limiters together. */
  perSecond: number;
  /** Grants per limiter. */
  byLimiter: number[];
}

/**
 * Runs 40 waiting requests per limiter, all on one key (limit 20 per 1000 ms), for `ms`: each
 * granted request "arrives" by reading Redis's clock (TIME), then is answered. Counts arrivals in
 * every 1000 ms window of Redis time.
 */
export async function measureSharedRate(
  limiters: readonly RateLimiter[],
  redis: RedisInput,
  ms: number,
  /** Routes TIME to the node of the limiter's key on a Cluster (any node will do on one machine). */
  clockKey?: string,
): Promise<SharedRate> {
  const clock = await connectRedis(redis, 'measureSharedRate');
  const arrivals: number[] = [];
  const byLimiter = limiters.map(() => 0);
  const stop = AbortSignal.timeout(ms);
  const started = performance.now();
  const worker = async (limiter: RateLimiter, index: number) => {
    while (!stop.aborted) {
      const grant = await Promise.resolve(
        limiter.acquire({ key: 'shared', limit: 20, windowMs: 1000, leaseMs: 5000 }, stop),
      ).catch(() => undefined);
      if (!grant) return;
      const [seconds, micros] = (await clock.run(clockKey, ['TIME'])) as [string, string];
      arrivals.push(Number(seconds) * 1e6 + Number(micros));
      byLimiter[index] = (byLimiter[index] ?? 0) + 1;
      await grant.done();
    }
  };
  await Promise.all(
    limiters.flatMap((limiter, index) => Array.from({ length: 40 }, () => worker(limiter, index))),
  );
  const elapsed = (performance.now() - started) / 1000;
  await clock.close();
  arrivals.sort((a, b) => a - b);
  let worstWindow = 0;
  let from = 0;
  for (let to = 0; to < arrivals.length; to++) {
    while ((arrivals[to] as number) - (arrivals[from] as number) >= 1_000_000) from++;
    worstWindow = Math.max(worstWindow, to - from + 1);
  }
  return { worstWindow, perSecond: arrivals.length / elapsed, byLimiter };
}
