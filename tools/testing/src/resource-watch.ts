import { createHook } from 'node:async_hooks';

/** One live handle or request that an object under test created and left behind. */
export interface LeftResource {
  /** The async resource type ('Timeout', 'TCPWRAP', 'TCPSERVERWRAP', 'Immediate'...). */
  type: string;
  /** For a timer: its delay in ms, whether it repeats and the name of its callback. */
  detail: string;
  /** Where it was created (the first frames outside node internals). */
  createdAt: string;
}

/** What {@link watchResources} returns: the window opens at {@link ResourceWatch.begin}. */
export interface ResourceWatch {
  /**
   * Starts counting: from now on every handle or request created is attributed to the object under
   * test, except what the servers already listening (the sandbox's, for example) create for the
   * connections they accept.
   */
  begin(): void;
  /** What was created since `begin()` and is still alive (or armed, for a timer). */
  live(): LeftResource[];
  /**
   * Waits until nothing created since `begin()` is alive, polling every 10 ms up to `withinMs`,
   * and returns what is still alive then (empty when clean). A closed socket or a cleared timer
   * goes at once; the bound only absorbs the event-loop turns a close takes.
   * @default withinMs 500
   */
  settle(withinMs?: number): Promise<LeftResource[]>;
  /** Stops watching (the hook is disabled); call it in a `finally`. */
  end(): void;
}

interface Entry {
  type: string;
  /** Created by an accepted connection of a server that was listening before `begin()`. */
  foreign: boolean;
  /** Created after `begin()`. */
  inWindow: boolean;
  resource: object;
  stack: string | undefined;
}

const SERVER_TYPES = new Set(['TCPSERVERWRAP', 'PIPESERVERWRAP']);
// The native handles and requests that keep a process alive or call back later. JS-level async
// resources (promises, undici's and http's request objects) are left out: they are only dropped by
// the garbage collector, so they say nothing about what still runs.
const WATCHED = new Set([
  'Timeout',
  'Immediate',
  'TCPWRAP',
  'TCPSERVERWRAP',
  'TCPCONNECTWRAP',
  'PIPEWRAP',
  'PIPESERVERWRAP',
  'PIPECONNECTWRAP',
  'TLSWRAP',
  'UDPWRAP',
  'GETADDRINFOREQWRAP',
  'GETNAMEINFOREQWRAP',
  'QUERYWRAP',
  'SHUTDOWNWRAP',
  'WRITEWRAP',
  'FSREQCALLBACK',
  'FSEVENTWRAP',
  'STATWATCHER',
  'PROCESSWRAP',
  'SIGNALWRAP',
  'ZLIB',
  'WORKER',
  'MESSAGEPORT',
]);

/**
 * Watches the handles and requests (timers, sockets, servers, immediates, DNS requests...) that
 * the code under test creates, so a test can assert that once a `stop()` or `close()` resolved,
 * nothing of that object is left: create the watch before the servers the test uses (the sandbox,
 * so their connections can be told apart), call `begin()` just before creating the object, then
 * `await settle()` after stopping it and expect an empty list.
 *
 * Built on `async_hooks` (the same types `process.getActiveResourcesInfo()` lists), it follows
 * each resource's trigger chain: what a pre-existing server's connection creates (the sandbox
 * answering a request, holding a long poll) is not the object's, while everything the object's own
 * calls create is, wherever it runs. So the check compares the object's own resources, not global
 * counts that other work in the process moves.
 */
export function watchResources(): ResourceWatch {
  const entries = new Map<number, Entry>();
  const foreignRoots = new Set<number>();
  let windowOpen = false;
  const ownTimers = new WeakSet<object>();
  const hook = createHook({
    init(id, type, triggerId, resource) {
      const parent = entries.get(triggerId);
      const foreign = foreignRoots.has(triggerId) || (parent?.foreign ?? false);
      const tracked = WATCHED.has(type);
      entries.set(id, {
        type,
        foreign,
        inWindow: windowOpen,
        resource,
        stack: windowOpen && tracked && !foreign ? new Error().stack : undefined,
      });
    },
    destroy(id) {
      entries.delete(id);
    },
    promiseResolve() {},
  });
  hook.enable();
  const live = (): LeftResource[] => {
    const left: LeftResource[] = [];
    for (const entry of entries.values()) {
      if (!entry.inWindow || entry.foreign || !WATCHED.has(entry.type)) continue;
      if (entry.type === 'Timeout' && (!timerArmed(entry.resource) || ownTimers.has(entry.resource)))
        continue;
      const createdAt = frames(entry.stack);
      // A timer only Node's own code made (the 1 s cache of http's Date header) is no object's.
      if (entry.type === 'Timeout' && createdAt === '') continue;
      left.push({ type: entry.type, detail: describe(entry), createdAt });
    }
    return left;
  };
  return {
    begin() {
      for (const [id, entry] of entries) if (SERVER_TYPES.has(entry.type)) foreignRoots.add(id);
      windowOpen = true;
    },
    live,
    async settle(withinMs = 500) {
      const deadline = Date.now() + withinMs;
      for (;;) {
        const left = live();
        if (left.length === 0 || Date.now() >= deadline) return left;
        await new Promise((resolve) => ownTimers.add(setTimeout(resolve, 10)));
      }
    },
    end() {
      hook.disable();
      entries.clear();
    },
  };
}

// A Timeout object stays referenced after it fired (or was cleared) until the GC collects it;
// `_destroyed` tells whether it is still armed.
function timerArmed(resource: object): boolean {
  return (resource as { _destroyed?: boolean })._destroyed !== true;
}

function describe(entry: Entry): string {
  if (entry.type !== 'Timeout') return '';
  const timer = entry.resource as {
    _idleTimeout?: number;
    _repeat?: number | null;
    _onTimeout?: { name?: string };
  };
  const callback = timer._onTimeout?.name || 'anonymous';
  return `${timer._repeat ? 'every' : 'after'} ${timer._idleTimeout} ms → ${callback}`;
}

function frames(stack: string | undefined): string {
  if (!stack) return '';
  return stack
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => !line.includes('node:') && !line.includes('resource-watch'))
    .slice(0, 4)
    .join(' ← ');
}
