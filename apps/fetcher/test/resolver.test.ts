import { setImmediate as nextTurn } from 'node:timers/promises';
import { MemoryRateLimiter, VkApi, type VkApiOptions } from '@vkwire/api-client';
import { type Logger, VkwireConfigError } from '@vkwire/core';
import { normalizeBatch, parseUpdate } from '@vkwire/events-schema';
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type ApiNameResolver,
  type ApiNameResolverOptions,
  createApiNameResolver,
  type NameKind,
  NameResolveError,
} from '../src/resolver/index.js';

/** What the resolver reported through its callbacks and logger. */
interface Seen {
  hits: Array<[NameKind, number]>;
  misses: Array<[NameKind, number]>;
  unresolved: Array<{ kind: NameKind; ids: readonly number[]; error: NameResolveError }>;
  apiErrors: Error[];
  warnings: string[];
  errors: string[];
}

interface Rig {
  vk: Sandbox;
  api: VkApi;
  resolver: ApiNameResolver;
  seen: Seen;
  /** The ids of each users.get / groups.getById / messages.getConversationsById the sandbox ran. */
  asked(method: string): number[][];
}

let rigs: Rig[] = [];
afterEach(async () => {
  for (const { resolver, api, vk } of rigs) {
    await resolver.close();
    await api.close();
    await vk.close();
  }
  rigs = [];
});

async function rig(
  options: Partial<ApiNameResolverOptions> = {},
  apiOptions: Partial<VkApiOptions> = {},
): Promise<Rig> {
  const vk = await createSandbox();
  const api = new VkApi({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    tokenType: 'group',
    rateLimiter: new MemoryRateLimiter(),
    closeTimeoutMs: 1000,
    ...apiOptions,
  });
  const seen: Seen = { hits: [], misses: [], unresolved: [], apiErrors: [], warnings: [], errors: [] };
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (_fields, message) => seen.warnings.push(message ?? ''),
    error: (_fields, message) => seen.errors.push(message ?? ''),
  };
  const resolver = createApiNameResolver({
    api,
    logger,
    onCacheHit: (kind, count) => seen.hits.push([kind, count]),
    onCacheMiss: (kind, count) => seen.misses.push([kind, count]),
    onUnresolved: (kind, ids, error) => seen.unresolved.push({ kind, ids, error }),
    onApiError: (error) => seen.apiErrors.push(error),
    // A deadline far beyond any sandbox answer, so a loaded CI machine cannot turn names into
    // nulls; the tests of the deadline itself set their own.
    timeoutMs: 60_000,
    ...options,
  });
  const asked = (method: string): number[][] =>
    vk
      .calls({ method })
      .filter((call) => call.fault === undefined)
      .map((call) =>
        (call.params.user_ids ?? call.params.group_ids ?? call.params.peer_ids ?? '').split(',').map(Number),
      );
  const current = { vk, api, resolver, seen, asked };
  rigs.push(current);
  return current;
}

/** The sandbox's API requests that reached a method (faulted ones included). */
const requests = (vk: Sandbox, method: string): number => vk.calls({ method }).length;

describe('names from the VK API', () => {
  test('normalized events get users’ names and nicks and chat titles', async () => {
    const { vk, resolver } = await rig();
    vk.user(501, { firstName: 'Анна', lastName: 'Смирнова', screenName: 'anna' });
    vk.user(502, { firstName: 'Олег', lastName: 'Ким', screenName: 'oleg' });
    const chat = vk.createChat({ title: 'Бодрое утро', members: [501, 502] });
    vk.user(501).send('hi');
    vk.user(502).send('hello all', { peerId: chat.peerId });
    const updates = vk.events().filter((update) => update.type === 'message_new');
    const events = await normalizeBatch(
      updates.map((update) => parseUpdate(update)),
      { resolver },
    );
    const texts = events.map((event) => [
      'message' in event ? event.message.text : undefined,
      event.user,
      event.peer?.name,
    ]);
    expect(texts).toContainEqual([
      'hi',
      { uuid: 501, name: 'Анна Смирнова', firstname: 'Анна', lastname: 'Смирнова', nick: 'anna' },
      'Анна Смирнова',
    ]);
    expect(texts).toContainEqual([
      'hello all',
      { uuid: 502, name: 'Олег Ким', firstname: 'Олег', lastname: 'Ким', nick: 'oleg' },
      'Бодрое утро',
    ]);
  });

  test('a community author gets its name and screen name, and no first or last name', async () => {
    const { vk, resolver } = await rig();
    const other = vk.addGroup({ name: 'Кофейня на углу', screenName: 'corner_coffee' });
    const names = await resolver.resolveUsers([-other.id, -vk.group.id]);
    expect(names.get(-other.id)).toEqual({
      name: 'Кофейня на углу',
      firstname: null,
      lastname: null,
      nick: 'corner_coffee',
    });
    expect(names.get(-vk.group.id)?.name).toBe(vk.group.name);
  });

  test('an id VK knows nothing of is left out without an error, and not asked again for a while', async () => {
    let now = 1_000_000;
    const { vk, resolver, seen, asked } = await rig({ now: () => now, missingTtlMs: 60_000 });
    vk.user(7, { firstName: 'Ира', lastName: 'Лис' });
    const first = await resolver.resolveUsers([7, 999_999]);
    expect(first.get(7)?.name).toBe('Ира Лис');
    expect(first.has(999_999)).toBe(false);
    const again = await resolver.resolveUsers([999_999]);
    expect(again.has(999_999)).toBe(false);
    expect(asked('users.get')).toEqual([[7, 999_999]]);
    now += 60_001;
    await resolver.resolveUsers([999_999]);
    expect(asked('users.get')).toEqual([[7, 999_999], [999_999]]);
    expect(seen.unresolved).toEqual([]);
    expect(seen.apiErrors).toEqual([]);
  });

  test('an unknown community does not cost the others their names', async () => {
    const { vk, resolver, seen } = await rig();
    const known = vk.addGroup({ name: 'Known' });
    // The sandbox answers error 100 for the whole call when one id names no community.
    const names = await resolver.resolveUsers([-known.id, -1]);
    expect(names.get(-known.id)?.name).toBe('Known');
    expect(names.has(-1)).toBe(false);
    expect(seen.unresolved).toEqual([]);
  });
});

describe('batching', () => {
  test('every id missing from the cache goes in one call per kind, chunked at VK’s limits', async () => {
    const { vk, resolver, asked } = await rig();
    const userIds = Array.from({ length: 1500 }, (_, index) => index + 1);
    for (const id of userIds) vk.user(id, { firstName: `U${id}` });
    const groups = [vk.addGroup(), vk.addGroup(), vk.addGroup()];
    const names = await resolver.resolveUsers([...userIds, ...groups.map((group) => -group.id)]);
    expect(names.size).toBe(1503);
    expect(names.get(1234)?.firstname).toBe('U1234');
    expect(asked('users.get').map((ids) => ids.length)).toEqual([1000, 500]);
    expect(asked('groups.getById')).toEqual([groups.map((group) => group.id)]);
  });

  test('lookups started in the same tick share one call', async () => {
    const { vk, resolver, asked } = await rig();
    for (const id of [1, 2, 3, 4]) vk.user(id);
    const chatA = vk.createChat({ title: 'A', members: [1, 2] });
    const chatB = vk.createChat({ title: 'B', members: [3, 4] });
    const [first, second, titlesA, titlesB] = await Promise.all([
      resolver.resolveUsers([1, 2]),
      resolver.resolveUsers([2, 3, 4]),
      resolver.resolvePeers([chatA.peerId]),
      resolver.resolvePeers([chatB.peerId]),
    ]);
    expect([...first.keys()]).toEqual([1, 2]);
    expect([...second.keys()]).toEqual([2, 3, 4]);
    expect(titlesA.get(chatA.peerId)).toBe('A');
    expect(titlesB.get(chatB.peerId)).toBe('B');
    expect(asked('users.get')).toEqual([[1, 2, 3, 4]]);
    expect(asked('messages.getConversationsById')).toEqual([[chatA.peerId, chatB.peerId]]);
  });

  test('the kinds asked together travel in one execute of the VkApi', async () => {
    const { vk, resolver } = await rig();
    vk.user(1);
    const chat = vk.createChat({ title: 'T', members: [1] });
    await Promise.all([resolver.resolveUsers([1, -vk.group.id]), resolver.resolvePeers([chat.peerId])]);
    const outer = vk.calls().filter((call) => !call.inExecute);
    expect(outer.map((call) => call.method)).toEqual(['execute']);
    expect(
      vk
        .calls()
        .filter((call) => call.inExecute)
        .map((call) => call.method)
        .sort(),
    ).toEqual(['groups.getById', 'messages.getConversationsById', 'users.get']);
  });

  test('concurrent lookups of one id make one request', async () => {
    const { vk, resolver, asked } = await rig();
    for (const id of [1, 2, 3]) vk.user(id, { firstName: `N${id}` });
    // Held answers keep the first lookup in flight while the others start.
    vk.faults.inject('api', { kind: 'delay', ms: 200 }, { times: 2 });
    const first = resolver.resolveUsers([1, 2]);
    await nextTurn();
    const others = Array.from({ length: 5 }, () => resolver.resolveUsers([2, 3]));
    const results = await Promise.all([first, ...others]);
    expect(asked('users.get')).toEqual([[1, 2], [3]]);
    for (const result of results) expect(result.get(2)?.firstname).toBe('N2');
  });
});

describe('the cache', () => {
  test('a second lookup is answered from the cache without a request', async () => {
    const { vk, resolver, seen } = await rig();
    vk.user(10, { firstName: 'Kept' });
    await resolver.resolveUsers([10]);
    const again = await resolver.resolveUsers([10]);
    expect(again.get(10)?.firstname).toBe('Kept');
    expect(requests(vk, 'users.get')).toBe(1);
    expect(seen.misses).toEqual([['user', 1]]);
    expect(seen.hits).toEqual([['user', 1]]);
  });

  test('a name is asked again once its TTL has passed, and clear() forgets everything', async () => {
    let now = 0;
    const { vk, resolver } = await rig({ now: () => now, cacheTtlMs: 1000 });
    vk.user(10);
    const chat = vk.createChat({ title: 'Old', members: [10] });
    await resolver.resolvePeers([chat.peerId]);
    now += 999;
    await resolver.resolvePeers([chat.peerId]);
    expect(requests(vk, 'messages.getConversationsById')).toBe(1);
    chat.rename('New', { by: 10 });
    now += 2;
    expect((await resolver.resolvePeers([chat.peerId])).get(chat.peerId)).toBe('New');
    expect(requests(vk, 'messages.getConversationsById')).toBe(2);
    resolver.clear();
    await resolver.resolvePeers([chat.peerId]);
    expect(requests(vk, 'messages.getConversationsById')).toBe(3);
  });

  test('the least recently used name goes first when the cache is full', async () => {
    const { vk, resolver, asked } = await rig({ cacheSize: 2 });
    for (const id of [1, 2, 3]) vk.user(id);
    await resolver.resolveUsers([1]);
    await resolver.resolveUsers([2]);
    await resolver.resolveUsers([1]); // 1 is used again, so 2 is now the oldest
    await resolver.resolveUsers([3]);
    await resolver.resolveUsers([1]);
    await resolver.resolveUsers([2]);
    expect(asked('users.get')).toEqual([[1], [2], [3], [2]]);
  });
});

describe('failures', () => {
  test('a failing lookup is retried while the caller waits, and the names arrive', async () => {
    // One attempt per VkApi call, so the retries are the resolver's own.
    const { vk, resolver, seen } = await rig({}, { retry: { attempts: 1 } });
    vk.user(1, { firstName: 'Back' });
    vk.faults.apiError(10, { times: 2 });
    const names = await resolver.resolveUsers([1]);
    expect(names.get(1)?.firstname).toBe('Back');
    expect(seen.apiErrors.map((error) => (error as { code?: unknown }).code)).toEqual([10, 10]);
    expect(seen.unresolved).toEqual([]);
    expect(requests(vk, 'users.get')).toBe(3);
  });

  test('past timeoutMs the names go out null, counted and logged once', async () => {
    const { vk, resolver, seen } = await rig({ timeoutMs: 300 }, { retry: { attempts: 1 } });
    vk.user(1);
    vk.user(2);
    vk.faults.apiError(6, { durationMs: 60_000 });
    const started = performance.now();
    const updates = [1, 2].map((id) => {
      vk.user(id).send('hi');
      return parseUpdate(vk.events().at(-1));
    });
    const events = await normalizeBatch(updates, { resolver });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(events.map((event) => event.user)).toEqual([
      { uuid: 1, name: null, firstname: null, lastname: null, nick: null },
      { uuid: 2, name: null, firstname: null, lastname: null, nick: null },
    ]);
    expect(seen.unresolved).toHaveLength(1);
    const report = seen.unresolved[0]!;
    expect(report.kind).toBe('user');
    expect(report.ids).toEqual([1, 2]);
    expect(report.error).toBeInstanceOf(NameResolveError);
    expect(report.error.code).toBe('timeout');
    expect((report.error.cause as Error).name).toBe('VkRateLimitError');
    expect(seen.apiErrors.length).toBeGreaterThan(1);
    // A second failure within the warning interval is counted, not logged again.
    await resolver.resolveUsers([1]);
    expect(seen.unresolved).toHaveLength(2);
    expect(seen.warnings).toEqual(['names went out null: VK could not be asked for them']);
  });

  test('the deadline holds while the VkApi itself is still retrying', async () => {
    const { vk, resolver, seen } = await rig({ timeoutMs: 300 });
    vk.faults.apiError(10, { durationMs: 60_000 });
    const started = performance.now();
    const names = await resolver.resolveUsers([1]);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(names.size).toBe(0);
    expect(seen.unresolved.map((report) => report.error.code)).toEqual(['timeout']);
  });

  test('an error no retry fixes gives up at once', async () => {
    const { vk, resolver, seen } = await rig({ timeoutMs: 5000 });
    vk.faults.apiError(15, { durationMs: 60_000 });
    const names = await resolver.resolvePeers([2_000_000_001]);
    expect(names.size).toBe(0);
    expect(requests(vk, 'messages.getConversationsById')).toBe(1);
    expect(seen.unresolved.map((report) => [report.kind, report.error.code])).toEqual([['chat', 'failed']]);
  });

  test('while VK cannot be asked, an expired name is used rather than none', async () => {
    let now = 0;
    const { vk, resolver, seen } = await rig(
      { now: () => now, cacheTtlMs: 1000, timeoutMs: 200 },
      { retry: { attempts: 1 } },
    );
    vk.user(1, { firstName: 'Stale' });
    await resolver.resolveUsers([1]);
    now += 5000;
    vk.faults.apiError(10, { durationMs: 60_000 });
    const names = await resolver.resolveUsers([1, 2]);
    expect(names.get(1)?.firstname).toBe('Stale');
    expect(seen.unresolved.map((report) => report.ids)).toEqual([[2]]);
  });

  test('close() ends a lookup in flight at once: its names go out null', async () => {
    const { vk, resolver, seen } = await rig();
    vk.faults.inject('api', { kind: 'hang' }, { times: 1 });
    const pending = resolver.resolveUsers([1]);
    await nextTurn();
    const started = performance.now();
    await resolver.close();
    expect((await pending).size).toBe(0);
    expect(performance.now() - started).toBeLessThan(500);
    expect(seen.unresolved.map((report) => report.error.code)).toEqual(['closed']);
  });

  test('a throwing callback is logged and the names still arrive', async () => {
    const { vk, resolver, seen } = await rig({
      onCacheMiss: () => {
        throw new Error('metrics broke');
      },
    });
    vk.user(1, { firstName: 'Fine' });
    expect((await resolver.resolveUsers([1])).get(1)?.firstname).toBe('Fine');
    expect(seen.errors).toEqual(['createApiNameResolver: a callback threw']);
  });
});

describe('options', () => {
  test('a bad option is named', async () => {
    const { api } = await rig();
    expect(() => createApiNameResolver({ api, cacheSize: 0 })).toThrow(VkwireConfigError);
    expect(() => createApiNameResolver({ api, timeoutMs: Number.NaN })).toThrow(/`timeoutMs`/);
    expect(() => createApiNameResolver({ api: {} as VkApi })).toThrow(/`api` must be a VkApi/);
  });
});
