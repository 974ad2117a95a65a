import { createHash } from 'node:crypto';
import { VkwireConfigError } from '@vkwire/core';
import { createClient, createCluster, type RedisClientType, type RedisClusterType } from 'redis';

/** A reply as node-redis gives raw commands: strings, numbers, arrays, maps, null. */
export type RedisReply = unknown;

/**
 * Where a component finds Redis: a URL (`redis://127.0.0.1:6379`), the root nodes of a Cluster
 * (`{ cluster: ['redis://127.0.0.1:7000', ...] }`), or a connected node-redis client or cluster of
 * your own (it stays yours: `close()` leaves it open).
 */
export type RedisInput = string | { cluster: readonly string[] } | RedisClientType | RedisClusterType;

/** A Lua script with its SHA1, run with EVALSHA (EVAL when Redis does not have it yet). */
export class RedisScript {
  /** SHA1 of the source, as Redis names scripts. */
  readonly sha: string;

  /** @param source the Lua source */
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

/**
 * The one way every part of this package talks to Redis, standalone or Cluster alike: commands
 * routed by their first key, Lua scripts, and a dedicated connection for blocking reads.
 */
export interface RedisHandle {
  /** Whether this is a Cluster (keys of one script must then share a hash tag). */
  readonly cluster: boolean;
  /**
   * Runs a command; `key` routes it in a Cluster (the first key it touches). A command still
   * waiting to be sent (the connection is down) when `signal` aborts is dropped, never sent.
   */
  run(key: string | undefined, args: readonly (string | number)[], signal?: AbortSignal): Promise<RedisReply>;
  /** Runs a Lua script on `keys` (all in one slot on a Cluster) with `args`; `signal` as for `run`. */
  script(
    script: RedisScript,
    keys: readonly string[],
    args: readonly (string | number)[],
    signal?: AbortSignal,
  ): Promise<RedisReply>;
  /** A connection of its own for blocking commands (XREADGROUP BLOCK), closed by its `close()`. */
  blocking(): Promise<RedisHandle>;
  /** Closes what this handle opened (a client the user passed in stays open). */
  close(): Promise<void>;
}

type AnyClient = RedisClientType | RedisClusterType;

/** How long `close()` waits for queued commands before it cuts the connection. */
const CLOSE_TIMEOUT_MS = 5_000;

function isCluster(client: AnyClient): client is RedisClusterType {
  return (
    'slots' in client || typeof (client as { getSlotRandomNode?: unknown }).getSlotRandomNode === 'function'
  );
}

/**
 * Connects to Redis (or wraps a client you connected). `component` names the caller in errors.
 * node-redis keeps trying to connect while Redis is out of reach; `signal` ends that (the client
 * made here is destroyed and the promise rejects).
 *
 * @example
 * const redis = await connectRedis('redis://127.0.0.1:6379', 'createPublisher');
 * await redis.run('k', ['SET', 'k', 'v']);
 * await redis.close();
 */
export async function connectRedis(
  input: RedisInput,
  component: string,
  signal?: AbortSignal,
): Promise<RedisHandle> {
  if (typeof input === 'string') {
    if (!/^rediss?:\/\//.test(input))
      throw new VkwireConfigError(
        component,
        'redis',
        'a redis:// or rediss:// URL, { cluster: [urls] }, or a node-redis client',
        {
          got: input.replace(/\/\/[^@/]*@/, '//***@'),
        },
      );
    const client = createClient({ url: input }) as unknown as RedisClientType;
    client.on('error', () => {});
    await connectUnless(client, signal);
    return wrap(client, true);
  }
  if (typeof input === 'object' && input !== null && 'cluster' in input && Array.isArray(input.cluster)) {
    const cluster = createCluster({
      rootNodes: input.cluster.map((url) => ({ url })),
    }) as unknown as RedisClusterType;
    cluster.on('error', () => {});
    await connectUnless(cluster, signal);
    return wrap(cluster, true);
  }
  if (typeof input === 'object' && input !== null && typeof (input as AnyClient).sendCommand === 'function')
    return wrap(input as AnyClient, false);
  throw new VkwireConfigError(
    component,
    'redis',
    'a redis:// URL, { cluster: [urls] }, or a node-redis client',
    { got: input },
  );
}

/**
 * Connects a client we made; when `signal` aborts first (the store closed while Redis was out of
 * reach), the client is destroyed, which stops its reconnecting and rejects the connect.
 */
async function connectUnless(client: AnyClient, signal: AbortSignal | undefined): Promise<void> {
  const stop = (): void => {
    client.destroy();
  };
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    await client.connect();
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

function wrap(client: AnyClient, owned: boolean): RedisHandle {
  const cluster = isCluster(client);
  const send = (
    key: string | undefined,
    args: readonly (string | number)[],
    signal?: AbortSignal,
  ): Promise<RedisReply> => {
    const strings = args.map(String);
    const options = signal === undefined ? undefined : { abortSignal: signal };
    return cluster
      ? (client as RedisClusterType).sendCommand(key, false, strings, options)
      : (client as RedisClientType).sendCommand(strings, options);
  };
  const handle: RedisHandle = {
    cluster,
    run: send,
    async script(script, keys, args, signal) {
      const call = (command: 'EVALSHA' | 'EVAL', body: string) =>
        send(keys[0], [command, body, keys.length, ...keys, ...args], signal);
      try {
        return await call('EVALSHA', script.sha);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return call('EVAL', script.source);
      }
    },
    async blocking() {
      const copy = client.duplicate() as AnyClient;
      copy.on('error', () => {});
      await copy.connect();
      return wrap(copy, true);
    },
    async close() {
      if (!owned) return;
      // node-redis's close() waits for queued commands: while Redis is unreachable that is forever.
      // Past a bound the connection is destroyed and the queued commands fail.
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS);
      });
      try {
        const outcome = await Promise.race([client.close().then(() => 'closed' as const), gaveUp]);
        if (outcome === 'timeout') client.destroy();
      } catch {
        client.destroy();
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return handle;
}
