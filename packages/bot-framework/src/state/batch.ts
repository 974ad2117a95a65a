import {
  type JsonWrite,
  type KeyValueStore,
  type Lease,
  type StoredJson,
  VkwireConfigError,
} from '@vkwire/core';
import type { BaseContext } from '../context.js';
import { SessionConflictError } from './errors.js';
import { KeyLock } from './key-lock.js';
import { featureKey, type StateKeyFn } from './keys.js';

/** A state feature (a session, an FSM) as its group knows it: how it names its key. */
export interface StateMember {
  readonly keyOf: StateKeyFn<BaseContext>;
  readonly prefix: string;
}

/**
 * The state features that share one storage and one lease: one lock per state key, and for each
 * update one read of every member's key and one write of what changed. A member's key is
 * `featureKey(base, prefix)`; the lock (and lease) is taken on the base key, so the features of
 * one user (or chat) are read, changed and written together.
 */
export class StateGroup {
  readonly lock: KeyLock;
  /**
   * The features, held weakly: the group lives as long as its storage, and a process that makes
   * bots as communities come and go must not keep (and read the keys of) every feature it ever made.
   * A feature holds its own member for as long as it is used.
   */
  private members: Array<WeakRef<StateMember>> = [];
  /**
   * Whether two members share a prefix: two features that would read and write one key (or one
   * feature's copies in two bots of this process, which never meet in one update). Only then does
   * an update check which feature claimed which key.
   */
  sharedPrefix = false;

  constructor(
    readonly storage: KeyValueStore,
    lease: Lease | undefined,
    leaseMs: number | undefined,
    waitMs: number | undefined,
  ) {
    this.lock = new KeyLock({ lease, leaseMs, waitMs });
  }

  /** Adds a feature: its key is read with the others of its update from now on. */
  join(keyOf: StateKeyFn<BaseContext>, prefix: string): StateMember {
    const member: StateMember = { keyOf, prefix };
    this.members.push(new WeakRef(member));
    this.forgetDead();
    return member;
  }

  /**
   * The keys of every member whose base key for `ctx` is `base` (`first` among them, the key of
   * the member keyed by `keyOf`: members with the same key function need no call to know).
   */
  keysOf(ctx: BaseContext, keyOf: StateKeyFn<BaseContext>, base: string, first: string): string[] {
    const keys = [first];
    let dead = false;
    for (const ref of this.members) {
      const member = ref.deref();
      if (member === undefined) {
        dead = true;
        continue;
      }
      if (member.keyOf !== keyOf && member.keyOf(ctx) !== base) continue;
      const key = featureKey(base, member.prefix);
      if (!keys.includes(key)) keys.push(key);
    }
    if (dead) this.forgetDead();
    return keys;
  }

  /** Drops the members whose features are gone, and says again whether two of the rest share a prefix. */
  private forgetDead(): void {
    const live: Array<WeakRef<StateMember>> = [];
    const prefixes = new Set<string>();
    let shared = false;
    for (const ref of this.members) {
      const member = ref.deref();
      if (member === undefined) continue;
      live.push(ref);
      if (prefixes.has(member.prefix)) shared = true;
      prefixes.add(member.prefix);
    }
    this.members = live;
    this.sharedPrefix = shared;
  }
}

const groups = new WeakMap<KeyValueStore, Map<string, StateGroup>>();
const leaseIds = new WeakMap<Lease, number>();
let lastLeaseId = 0;

/**
 * The group of features sharing `storage` and the same lease settings (features with another
 * lease, or none, are a group of their own: they do not share a lock).
 */
export function stateGroup(
  storage: KeyValueStore,
  lease: Lease | undefined,
  leaseMs: number | undefined,
  waitMs: number | undefined,
): StateGroup {
  let leaseId = 0;
  if (lease !== undefined) {
    leaseId = leaseIds.get(lease) ?? 0;
    if (leaseId === 0) {
      lastLeaseId += 1;
      leaseId = lastLeaseId;
      leaseIds.set(lease, leaseId);
    }
  }
  const id = `${leaseId}/${leaseMs ?? ''}/${waitMs ?? ''}`;
  let byLease = groups.get(storage);
  if (byLease === undefined) {
    byLease = new Map();
    groups.set(storage, byLease);
  }
  let group = byLease.get(id);
  if (group === undefined) {
    group = new StateGroup(storage, lease, leaseMs, waitMs);
    byLease.set(id, group);
  }
  return group;
}

/** What one update holds of a group's key: the lock, the values read, the writes waiting. */
class Held {
  /** The keys read so far and what they held (a few: arrays beat a Map). */
  private keys: string[] | undefined;
  private found: ReadonlyArray<StoredJson | undefined> | undefined;
  private writes: JsonWrite[] | undefined;
  /** Which feature took which key in this update (kept only in a group with a shared prefix). */
  private claims: Array<readonly [string, StateMember]> | undefined;
  /** The next holder of the same update (another group or base key), if any. */
  next: Held | undefined;

  constructor(
    readonly group: StateGroup,
    readonly base: string,
  ) {}

  /**
   * The key's stored JSON: the first call reads every member's key of this update at once. Not a
   * promise when the store answered at once (the memory store): nothing to wait a turn for.
   */
  get(
    ctx: BaseContext,
    keyOf: StateKeyFn<BaseContext>,
    key: string,
  ): StoredJson | undefined | Promise<StoredJson | undefined> {
    if (this.keys !== undefined && this.found !== undefined) {
      const index = this.keys.indexOf(key);
      if (index >= 0) return this.found[index];
      return this.getAlone(key);
    }
    const keys = this.group.keysOf(ctx, keyOf, this.base, key);
    const found = readJson(this.group.storage, keys);
    if (found instanceof Promise)
      return found.then((list) => {
        this.keys = keys;
        this.found = list;
        return list[0];
      });
    this.keys = keys;
    this.found = found;
    return found[0];
  }

  /** A key the first read did not know of (a member with a key of its own). */
  private async getAlone(key: string): Promise<StoredJson | undefined> {
    const [alone] = await readJson(this.group.storage, [key]);
    (this.keys as string[]).push(key);
    this.found = [...(this.found ?? []), alone];
    return alone;
  }

  /**
   * Notes that `member` uses `key` in this update; another feature that uses the same key (the same
   * prefix on the same storage) would overwrite its state, so that is a configuration error.
   */
  claim(key: string, member: StateMember): void {
    const taken = this.claims?.find((claim) => claim[0] === key && claim[1] !== member);
    if (taken !== undefined)
      throw new VkwireConfigError(
        'state',
        'prefix',
        "its own for each session(), fsm() and stage() given one storage: two of them use one key and would overwrite each other's state (give one another prefix)",
        { got: member.prefix },
      );
    if (this.claims === undefined) this.claims = [[key, member]];
    else this.claims.push([key, member]);
  }

  /**
   * Queues a write for the flush. A second write of one key in one update (two features with the
   * same prefix) conflicts, as the later one's compare-and-set would have on its own.
   */
  add(write: JsonWrite): void {
    if (this.writes === undefined) this.writes = [write];
    else if (this.writes.some((queued) => queued.key === write.key))
      throw new SessionConflictError(write.key);
    else this.writes.push(write);
  }

  /**
   * Writes what the members left, all or none; a version that moved is a SessionConflictError.
   * Undefined when there was nothing to wait for (nothing to write, or the store wrote at once).
   */
  flush(): Promise<void> | undefined {
    const writes = this.writes;
    if (writes === undefined) return undefined;
    this.writes = undefined;
    const failed = writeJson(this.group.storage, writes);
    if (failed instanceof Promise) return failed.then(conflictIf);
    conflictIf(failed);
    return undefined;
  }
}

const HELD: unique symbol = Symbol('vkwire.state.held');
type WithHeld = BaseContext & { [HELD]?: Held | undefined };

/**
 * What a feature does with its key in one update: given the stored JSON, run the handlers and
 * answer the write to make (undefined: nothing changed).
 */
export type StateWork = (stored: StoredJson | undefined) => Promise<JsonWrite | undefined>;

/**
 * Runs a feature's `work` on `key` (of base key `base`) for `ctx`: under the group's lock on
 * `base` — taken here, or already held by an outer feature of the same update — with the value
 * read in the update's one read, and the write sent with the others of the update after the
 * outermost feature's handlers (all or none).
 */
export function withState(
  ctx: BaseContext,
  group: StateGroup,
  member: StateMember,
  base: string,
  key: string,
  work: StateWork,
): Promise<void> {
  for (let held = (ctx as WithHeld)[HELD]; held !== undefined; held = held.next)
    if (held.group === group && held.base === base) return inner(held, ctx, member, key, work);
  return outer(ctx, group, member, base, key, work);
}

/** Reads `key` in the update's batch, runs `work` on it, and queues the write it answers. */
async function inner(
  held: Held,
  ctx: BaseContext,
  member: StateMember,
  key: string,
  work: StateWork,
): Promise<void> {
  if (held.group.sharedPrefix) held.claim(key, member);
  const found = held.get(ctx, member.keyOf, key);
  const write = await work(found instanceof Promise ? await found : found);
  if (write !== undefined) held.add(write);
}

/**
 * The outermost feature of the group in this update: takes the group's lock on `base`, opens the
 * update's batch on it, runs the feature's `work` ({@link inner}), and writes what every feature
 * left (all or none) before it gives the lock back.
 */
async function outer(
  ctx: BaseContext,
  group: StateGroup,
  member: StateMember,
  base: string,
  key: string,
  work: StateWork,
): Promise<void> {
  let turn = group.lock.enter(base, ctx.signal);
  if (turn instanceof Promise) turn = await turn;
  const slot = ctx as WithHeld;
  const held = new Held(group, base);
  held.next = slot[HELD];
  slot[HELD] = held;
  try {
    try {
      await inner(held, ctx, member, key, work);
    } catch (error) {
      // What inner features finished is written, as if each had written on its own.
      try {
        await held.flush();
      } catch (flushError) {
        throw new AggregateError([error, flushError], `${String(error)}; and then: ${String(flushError)}`);
      }
      throw error;
    }
    const flushed = held.flush();
    if (flushed !== undefined) await flushed;
  } finally {
    slot[HELD] = held.next;
    const left = group.lock.leave(base, turn);
    if (left !== undefined) await left;
  }
}

function conflictIf(failed: string | undefined): void {
  if (failed !== undefined) throw new SessionConflictError(failed);
}

/** The store's `readJson` (as it answered: at once, or a promise), or a `get` per key. */
function readJson(
  storage: KeyValueStore,
  keys: readonly string[],
): ReadonlyArray<StoredJson | undefined> | Promise<ReadonlyArray<StoredJson | undefined>> {
  if (storage.readJson !== undefined) return settled(storage.readJson(keys));
  return Promise.all(
    keys.map(async (key) => {
      const entry = await storage.get(key);
      return entry === undefined ? undefined : { json: JSON.stringify(entry.value), version: entry.version };
    }),
  );
}

/** The store's `writeJson` (as it answered: at once, or a promise), or one key at a time. */
function writeJson(
  storage: KeyValueStore,
  writes: readonly JsonWrite[],
): string | undefined | Promise<string | undefined> {
  if (storage.writeJson !== undefined) return settled(storage.writeJson(writes));
  return writeOneByOne(storage, writes);
}

/** A store's answer as a value, or a native promise when it is a thenable (any `PromiseLike`). */
function settled<T>(answer: T | PromiseLike<T>): T | Promise<T> {
  if (answer instanceof Promise) return answer;
  if (typeof answer === 'object' && answer !== null && typeof (answer as PromiseLike<T>).then === 'function')
    return Promise.resolve(answer);
  return answer as T;
}

/** A store without `writeJson`: one key at a time, a delete checked right before it. */
async function writeOneByOne(
  storage: KeyValueStore,
  writes: readonly JsonWrite[],
): Promise<string | undefined> {
  for (const write of writes) {
    if (write.json === undefined) {
      // The contract's delete takes no version: compare right before it.
      const now = await storage.get(write.key);
      if (write.ifVersion !== undefined && (now?.version ?? 0) !== write.ifVersion) return write.key;
      await storage.delete(write.key);
      continue;
    }
    const written = await storage.set(write.key, JSON.parse(write.json), {
      ...(write.ifVersion === undefined ? {} : { ifVersion: write.ifVersion }),
      ...(write.ttlMs === undefined ? {} : { ttlMs: write.ttlMs }),
    });
    if (!written) return write.key;
  }
  return undefined;
}
