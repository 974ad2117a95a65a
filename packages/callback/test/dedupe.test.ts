import { type DedupeStore, type Logger, MemoryDedupeStore, silentLogger } from '@vkwire/core';
import { describe, expect, test } from 'vitest';
import { type CallbackReceiverOptions, createCallbackReceiver } from '../src/index.js';
import { fixture, gate, until } from './setup.js';

const GROUP = 218734561;
const SECRET = 's3cr3t_Bodroe_2025';
const CODE = '5f3e9a1c';
const base = fixture<{ body: Record<string, unknown> }>('callback/message_new.retry.http.json').body;
const EVENT = JSON.stringify({ ...structuredClone(base), event_id: 'shared-event' });

/** One process behind the load balancer: a receiver sharing `store` with the others. */
function replica(options: Partial<CallbackReceiverOptions> & Pick<CallbackReceiverOptions, 'onUpdate'>) {
  const receiver = createCallbackReceiver({
    groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
    logger: silentLogger,
    ...options,
  });
  return async (retryCounter: number): Promise<[number, string]> => {
    const response = await receiver(
      new Request('http://bot.local/callback', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-retry-counter': String(retryCounter) },
        body: EVENT,
      }),
    );
    return [response.status, await response.text()];
  };
}

/** The shared store as seen by a process that stalls: its claims lapse after 1 ms. */
function stalling(shared: MemoryDedupeStore): DedupeStore {
  return {
    claim: (key) => shared.claim(key, 1),
    complete: (key, owner, ttlMs) => shared.complete(key, owner, ttlMs),
    release: (key, owner) => shared.release(key, owner),
  };
}

describe('a dedupe store shared by processes (owner tokens)', () => {
  test('a lapsed claim whose handler fails late cannot release the newer claim of another process: no double handling', async () => {
    const shared = new MemoryDedupeStore();
    const calls = { a: 0, b: 0, c: 0 };
    const startedA = gate();
    const failA = gate();
    const failures: Error[] = [];
    const sendA = replica({
      dedupe: stalling(shared),
      deadlineMs: 20,
      onError: (error) => void failures.push(error),
      onUpdate: async () => {
        calls.a += 1;
        startedA.open();
        await failA.promise;
        throw new Error('process A failed late');
      },
    });
    const startedB = gate();
    const finishB = gate();
    const sendB = replica({
      dedupe: shared,
      onUpdate: async () => {
        calls.b += 1;
        startedB.open();
        await finishB.promise;
      },
    });
    const sendC = replica({
      dedupe: shared,
      onUpdate: () => {
        calls.c += 1;
      },
    });

    // A takes the event and stalls past its deadline (VK gets 503) and past its lease.
    const answerA = sendA(0);
    await startedA.promise;
    expect(await answerA).toEqual([503, 'handler failed']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // VK's redelivery lands on B, which claims the lapsed event and handles it.
    const answerB = sendB(1);
    await startedB.promise;
    // A's handler now fails: its release must leave B's claim alone.
    failA.open();
    await until(() => failures.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Another redelivery, on C, while B still works: "in progress", not a third handling.
    const [statusC, textC] = await sendC(2);
    expect(statusC).toBe(503);
    expect(textC).toBe('in progress');
    finishB.open();
    expect(await answerB).toEqual([200, 'ok']);
    // Once B is done, every later redelivery is answered ok without handling.
    expect(await sendC(3)).toEqual([200, 'ok']);
    expect(calls).toEqual({ a: 1, b: 1, c: 0 });
  });

  test('a handler that succeeds after its claim lapsed and was retaken: warned as a possible double handling', async () => {
    const shared = new MemoryDedupeStore();
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_fields, message) => void warnings.push(message ?? '') };
    const startedA = gate();
    const finishA = gate();
    let handledA = false;
    const sendA = replica({
      dedupe: stalling(shared),
      deadlineMs: 20,
      logger,
      onUpdate: async () => {
        startedA.open();
        await finishA.promise;
        handledA = true;
      },
    });
    const startedB = gate();
    const finishB = gate();
    const sendB = replica({
      dedupe: shared,
      onUpdate: async () => {
        startedB.open();
        await finishB.promise;
      },
    });
    await Promise.all([sendA(0), startedA.promise]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const answerB = sendB(1);
    await startedB.promise;
    // A finishes while B holds the claim it took over: both handled the update.
    finishA.open();
    await until(() => handledA && warnings.length > 0);
    finishB.open();
    expect(await answerB).toEqual([200, 'ok']);
    expect(warnings).toEqual([expect.stringMatching(/lapsed.*handled twice/)]);
  });
});
