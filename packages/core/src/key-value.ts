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

/** A stored value as the JSON text it is kept as, and its version ({@link KeyValueStore.readJson}). */
export interface StoredJson {
  /** The value as JSON text (`JSON.parse` it for a copy of your own). */
  readonly json: string;
  /** 1 after the first write, then greater on every write of the key. */
  readonly version: number;
}

/**
 * One write of {@link KeyValueStore.writeJson}: the value as JSON text, or `json: undefined` to
 * delete the key.
 */
export interface JsonWrite {
  readonly key: string;
  /** The new value as JSON text (what `JSON.stringify` made); undefined deletes the key. */
  readonly json: string | undefined;
  /** Apply only if the key's version is still this; `0`: only if it does not exist. @default unconditionally */
  readonly ifVersion?: number | undefined;
  /** The key expires this many milliseconds after the write. @default never */
  readonly ttlMs?: number | undefined;
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
  /**
   * Optional: several keys at once as JSON text (one round trip on a networked store), in the
   * order asked; undefined for a key that does not exist. The framework's state features read
   * every key of an update with it when the store has it.
   */
  readJson?(keys: readonly string[]): MaybePromise<ReadonlyArray<StoredJson | undefined>>;
  /**
   * Optional: several writes and deletes applied all or none (one round trip on a networked
   * store). Every `ifVersion` is checked first; when one does not match nothing is written and the
   * answer is that write's key; undefined when all were applied.
   */
  writeJson?(writes: readonly JsonWrite[]): MaybePromise<string | undefined>;
}

function checkTtl(ttlMs: number | undefined): void {
  if (ttlMs !== undefined && !(ttlMs > 0))
    throw new VkwireConfigError('MemoryKeyValueStore', 'ttlMs', 'a positive number of milliseconds', {
      got: ttlMs,
    });
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
 * as a networked store would; `readJson`/`writeJson` hand over the JSON text itself, with nothing
 * to copy), versions grow per key, expired keys read as absent. Past `maxEntries` the least
 * recently written key goes (rewrites count once the store is half full).
 *
 * @example
 * const store = new MemoryKeyValueStore<{ step: number }>();
 * await store.set('fsm:1', { step: 1 }, { ifVersion: 0 }); // true: created
 * await store.set('fsm:1', { step: 1 }, { ifVersion: 0 }); // false: exists already
 */
export class MemoryKeyValueStore<V = unknown> implements KeyValueStore<V> {
  private readonly entries = new Map<string, Entry>();
  /**
   * The last version of deleted and expired keys, so a stale `ifVersion` never matches a re-created
   * key (at most `maxEntries` of them, the oldest forgotten first).
   */
  private readonly retired = new Map<string, number>();
  private readonly maxEntries: number;
  /** Past this many keys a rewritten key moves to the end of the eviction order. */
  private readonly reorderAbove: number;

  constructor(options: MemoryKeyValueStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new VkwireConfigError('MemoryKeyValueStore', 'maxEntries', 'a positive integer', {
        got: maxEntries,
      });
    this.maxEntries = maxEntries;
    this.reorderAbove = Math.floor(maxEntries / 2);
  }

  get(key: string): VersionedValue<V> | undefined {
    const entry = this.live(key);
    return entry ? { value: JSON.parse(entry.json) as V, version: entry.version } : undefined;
  }

  set(key: string, value: V, options: KeyValueSetOptions = {}): boolean {
    const json = JSON.stringify(value);
    if (json === undefined)
      throw new VkwireConfigError('MemoryKeyValueStore', 'value', 'JSON-serializable', { got: value });
    checkTtl(options.ttlMs);
    const entry = this.live(key);
    if (options.ifVersion !== undefined && options.ifVersion !== (entry?.version ?? 0)) return false;
    this.put(key, entry, json, options.ttlMs);
    return true;
  }

  delete(key: string): boolean {
    const entry = this.live(key);
    if (entry === undefined) return false;
    this.retire(key, entry);
    return true;
  }

  /** The keys' JSON text as stored (strings: nothing to copy). */
  readJson(keys: readonly string[]): Array<StoredJson | undefined> {
    const found: Array<StoredJson | undefined> = [];
    for (const key of keys) {
      const entry = this.live(key);
      found.push(entry === undefined ? undefined : { json: entry.json, version: entry.version });
    }
    return found;
  }

  /** Every version checked, then every write applied: all or none. */
  writeJson(writes: readonly JsonWrite[]): string | undefined {
    const found: Array<Entry | undefined> = [];
    for (const write of writes) {
      checkTtl(write.ttlMs);
      const entry = this.live(write.key);
      if (write.ifVersion !== undefined && write.ifVersion !== (entry?.version ?? 0)) return write.key;
      found.push(entry);
    }
    for (let index = 0; index < writes.length; index += 1) {
      const write = writes[index] as JsonWrite;
      const entry = found[index];
      if (write.json !== undefined) this.put(write.key, entry, write.json, write.ttlMs);
      else if (entry !== undefined) this.retire(write.key, entry);
    }
    return undefined;
  }

  /** How many keys are held (expired ones included until read or pushed out). */
  get size(): number {
    return this.entries.size;
  }

  /** Writes `json` to `key`, whose live entry is `entry` (undefined: none). */
  private put(key: string, entry: Entry | undefined, json: string, ttlMs: number | undefined): void {
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs;
    if (entry !== undefined) {
      // Rewritten in place; the key moves to the end of the eviction order (delete + set) only once
      // the store is half full, the order before that never deciding anything.
      entry.json = json;
      entry.version += 1;
      entry.expiresAt = expiresAt;
      if (this.entries.size > this.reorderAbove) {
        this.entries.delete(key);
        this.entries.set(key, entry);
      }
      return;
    }
    const retired = this.retired.get(key);
    if (retired !== undefined) this.retired.delete(key);
    this.entries.set(key, { json, version: (retired ?? 0) + 1, expiresAt });
    if (this.entries.size > this.maxEntries) {
      // Pushed out: its version is forgotten with it.
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  private retire(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.retired.set(key, entry.version);
    if (this.retired.size > this.maxEntries) this.retired.delete(this.retired.keys().next().value as string);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (
      entry !== undefined &&
      entry.expiresAt !== Number.POSITIVE_INFINITY &&
      entry.expiresAt <= Date.now()
    ) {
      this.retire(key, entry);
      return undefined;
    }
    return entry;
  }
}
