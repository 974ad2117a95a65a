import { describe, expect, test } from 'vitest';
import { MemoryRateLimiter, type RateLimitGrant } from '../src/index.js';

const slot = { key: 'k', limit: 5, windowMs: 200 };

describe('MemoryRateLimiter', () => {
  test('plans requests evenly, windowMs / limit apart', async () => {
    const limiter = new MemoryRateLimiter();
    const times: number[] = [];
    const start = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const grant = await limiter.acquire(slot);
        times.push(performance.now() - start);
        grant.done();
      }),
    );
    // Grant k is planned k × 40 ms after the first (which is at once); one may come up to 5 ms
    // early to make up for a late timer. Measured from the start, not between grants: a grant the
    // test sees late (a busy machine) must not make the next one look early.
    expect(times).toHaveLength(4);
    for (const [k, time] of times.entries()) expect(time).toBeGreaterThanOrEqual(k * 40 - 6);
    expect(times[3]).toBeLessThan(1_000);
  });

  test('the request `limit` grants later waits until the earlier one is answered, plus the window', async () => {
    const limiter = new MemoryRateLimiter({ marginMs: 0 });
    const grants: RateLimitGrant[] = [];
    for (let index = 0; index < 5; index += 1) grants.push(await limiter.acquire(slot));
    let sixth = false;
    const pending = limiter.acquire(slot).then((grant) => {
      sixth = true;
      return grant;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The first request is still in flight, so nobody knows when VK counted it: the sixth waits.
    expect(sixth).toBe(false);
    const answeredAt = performance.now();
    grants[0]?.done();
    (await pending).done();
    expect(performance.now() - answeredAt).toBeGreaterThanOrEqual(195);
  });

  test('an aborted wait rejects with the reason and frees its place', async () => {
    const limiter = new MemoryRateLimiter();
    (await limiter.acquire(slot)).done();
    const controller = new AbortController();
    const waiting = limiter.acquire(slot, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    const next = await limiter.acquire(slot);
    next.done();
  });

  test('pause holds every request of the key', async () => {
    const limiter = new MemoryRateLimiter();
    limiter.pause('k', 150);
    const started = performance.now();
    (await limiter.acquire(slot)).done();
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });
});

describe('MemoryRateLimiter leases', () => {
  test('a grant never answered frees its place when its lease runs out', async () => {
    const limiter = new MemoryRateLimiter({ marginMs: 0 });
    const leased = { key: 'lease', limit: 1, windowMs: 50, leaseMs: 150 };
    const started = performance.now();
    await limiter.acquire(leased); // never done(): its process "died"
    const next = await Promise.race([
      limiter.acquire(leased),
      new Promise<undefined>((resolve) => setTimeout(resolve, 2000, undefined)),
    ]);
    expect(next).toBeDefined();
    // The lease (150 ms) plus the window (50 ms), counted from the grant.
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    next?.done();
  });

  test('an answer before the lease ends frees the place at once (the lease timer does not delay it)', async () => {
    const limiter = new MemoryRateLimiter({ marginMs: 0 });
    const leased = { key: 'early', limit: 1, windowMs: 50, leaseMs: 5000 };
    const first = await limiter.acquire(leased);
    const next = limiter.acquire(leased);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const answeredAt = performance.now();
    first.done();
    (await next).done();
    expect(performance.now() - answeredAt).toBeLessThan(500);
  });
});
