import { VkwireConfigError } from './errors.js';
import type { MaybePromise } from './maybe.js';

/** A stored value and its version (which changes on every write). */
export interface VersionedValue<V> {
  readonly value: V;
  /** 1 after the first write, then greater on every write of the key. */
  readonly version: number;
}

/** Options of {@link KeyValueStore.set}. */
export interface KeyValueSetOptions {
  /** The key expires this many milliseconds after the write. @default never */
  ttlMs?: number;
  /**
   * Write only if the key's version is still this (compare-and-set); `0` writes only if the key
   * does not exist. @default write unconditionally
   */
  ifVersion?: number;
}

/**
 * A small store of JSON-compatible values with versions and TTLs: the home of bot state
 * (sessions, FSM states, scenes, conversations), shared by every worker when it is Redis
 * (redis-bridge), one process's when it is {@link MemoryKeyValueStore}.
 *
 * Values must survive `JSON.stringify`/`JSON.parse` (a networked store serializes them); the
 * memory store copies them on the way in and out, so a test against it catches code that relies
 * on keeping an object reference.
 *
 * @example
 * const entry = await store.get('session:1:2');
 * const next = { ...(entry?.value ?? {}), step: 2 };
 * if (!(await store.set('session:1:2', next, { ifVersion: entry?.version ?? 0, ttlMs: 86_400_000 })))
 *   throw new Error('changed by another update meanwhile: read again and retry');
 */
export interface KeyValueStore<V = unknown> {
  /** The value and its version, or undefined when the key does not exist (or expired). */
  get(key: string): MaybePromise<VersionedValue<V> | undefined>;
  /** Writes the value; answers false (and writes nothing) when `ifVersion` did not match. */
  set(key: string, value: V, options?: KeyValueSetOptions): MaybePromise<boolean>;
  /** Deletes the key; answers whether it existed. */
  delete(key: string): MaybePromise<boolean>;
}

interface Entry {
  json: string;
  version: number;
  /** Date.now() past which the entry is gone; Infinity when it never expires. */
  expiresAt: number;
}

/** Options of {@link MemoryKeyValueStore}. */
export interface MemoryKeyValueStoreOptions {
  /** Most keys kept; past it the least recently written go first. @default 100000 */
  maxEntries?: number;
}

/**
 * A {@link KeyValueStore} in this process's memory. Values are kept as JSON (copied in and out,
 * as a networked store would), versions grow per key, expired keys read as absent.
 *
 * @example
 * const store = new MemoryKeyValueStore<{ step: number }>();
 * await store.set('fsm:1', { step: 1 }, { ifVersion: 0 }); // true: created
 * await store.set('fsm:1', { step: 1 }, { ifVersion: 0 }); // false: exists already
 */
export class MemoryKeyValueStore<V = unknown> implements KeyValueStore<V> {
  private readonly entries = new Map<string, Entry>();
  /** Versions outlive deleted and expired keys, so a stale `ifVersion` never matches a re-created key. */
  private readonly versions = new Map<string, number>();
  private readonly maxEntries: number;

  constructor(options: MemoryKeyValueStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new VkwireConfigError('MemoryKeyValueStore', 'maxEntries', 'a positive integer', {
        got: maxEntries,
      });
    this.maxEntries = maxEntries;
  }

  get(key: string): VersionedValue<V> | undefined {
    const entry = this.live(key);
    return entry ? { value: JSON.parse(entry.json) as V, version: entry.version } : undefined;
  }

  set(key: string, value: V, options: KeyValueSetOptions = {}): boolean {
    const json = JSON.stringify(value);
    if (json === undefined)
      throw new VkwireConfigError('MemoryKeyValueStore', 'value', 'JSON-serializable', { got: value });
    const entry = this.live(key);
    if (options.ifVersion !== undefined && options.ifVersion !== (entry?.version ?? 0)) return false;
    if (options.ttlMs !== undefined && !(options.ttlMs > 0))
      throw new VkwireConfigError('MemoryKeyValueStore', 'ttlMs', 'a positive number of milliseconds', {
        got: options.ttlMs,
      });
    const version = Math.max(entry?.version ?? 0, this.versions.get(key) ?? 0) + 1;
    this.entries.delete(key);
    this.entries.set(key, {
      json,
      version,
      expiresAt: options.ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.ttlMs,
    });
    this.versions.set(key, version);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.versions.delete(oldest);
    }
    return true;
  }

  delete(key: string): boolean {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  /** How many keys are held (expired ones included until read or pushed out). */
  get size(): number {
    return this.entries.size;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
