/**
 * A minimal RESP2 client over `node:net`: enough for test infrastructure to PING, FLUSHALL and
 * SHUTDOWN a server without depending on a Redis client library (this package must stay
 * dependency-free so every package can use it in its tests).
 */
import { connect, type Socket } from 'node:net';

/** Where a Redis server listens, and how to log in to it. */
export interface RedisTarget {
  /** Host name or IP address. */
  host: string;
  /** TCP port. */
  port: number;
  /** ACL user name (`redis://user:pass@host`), sent with the password in AUTH. */
  username?: string;
  /** Password (`redis://:pass@host`), sent in AUTH right after connecting. */
  password?: string;
  /** Database index from the URL path (`redis://host/2`), selected right after AUTH. */
  db?: number;
}

/** A decoded RESP2 reply. Error replies inside arrays (for example from EXEC) stay values. */
export type RespValue = string | number | null | RedisReplyError | RespValue[];

/** An error reply (`-ERR ...`) from the server. */
export class RedisReplyError extends Error {
  override name = 'RedisReplyError';
}

/** Why a {@link RedisConnectionError} happened. */
export type RedisConnectionFailure =
  /** Connecting failed (refused, unreachable) or timed out. */
  | 'connect'
  /** A reply did not arrive in time. */
  | 'timeout'
  /** The server closed or reset the connection. */
  | 'closed'
  /** This client closed the connection. */
  | 'client'
  /** The server sent bytes that are not RESP2. */
  | 'protocol';

/** The connection failed, closed before a reply, or a reply did not arrive in time. */
export class RedisConnectionError extends Error {
  override name = 'RedisConnectionError';
  /** What went wrong; SHUTDOWN, for one, succeeds exactly when the server closes the connection. */
  readonly reason: RedisConnectionFailure;

  constructor(reason: RedisConnectionFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** Options shared by the one-shot helpers. */
export interface RespTimeoutOptions {
  /** Limit for connecting and for each reply, in milliseconds. @default 2000 */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

/**
 * Parses a `redis://` URL into a {@link RedisTarget}. `rediss://` (TLS) is refused because this
 * client speaks plain TCP only; a test Redis is local or on a trusted network.
 */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a Redis URL: ${JSON.stringify(redactRedisUrl(url))}`);
  }
  if (parsed.protocol !== 'redis:') {
    throw new Error(
      `unsupported Redis URL scheme ${JSON.stringify(parsed.protocol)} in ${redactRedisUrl(url)}: ` +
        'the test helpers speak plain redis:// only',
    );
  }
  // URL keeps the brackets of an IPv6 literal; net.connect wants the bare address.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const target: RedisTarget = { host, port: parsed.port === '' ? 6379 : Number(parsed.port) };
  if (parsed.username !== '') target.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') target.password = decodeURIComponent(parsed.password);
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '') {
    const db = Number(dbText);
    if (!Number.isInteger(db) || db < 0) throw new Error(`bad database index in ${redactRedisUrl(url)}`);
    target.db = db;
  }
  return target;
}

/** The URL with its password replaced by `***`, safe for error messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** One reply decoded from the front of a buffer, and where the next one starts. */
interface Parsed {
  value: RespValue;
  next: number;
}

/**
 * Decodes one RESP2 reply starting at `offset`, or returns `undefined` when the buffer does not
 * hold all of it yet (the caller waits for more bytes and tries again).
 */
export function parseReply(buffer: Buffer, offset = 0): Parsed | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new RedisReplyError(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: afterLine };
      const end = afterLine + length;
      if (buffer.length < end + 2) return undefined;
      return { value: buffer.toString('utf8', afterLine, end), next: end + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespValue[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, next);
        if (item === undefined) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new RedisConnectionError(
        'protocol',
        `malformed RESP reply: unexpected type byte ${JSON.stringify(type)}`,
      );
  }
}

/** A command waiting for its reply. */
interface Pending {
  resolve: (value: RespValue) => void;
  reject: (error: Error) => void;
}

/**
 * One TCP connection speaking RESP2. Replies arrive in command order, so pending commands are a
 * FIFO queue. Any failure (timeout, close, malformed bytes) destroys the socket and rejects every
 * pending command: after a lost reply the stream position is unknown, so the connection is done.
 */
export class RespConnection {
  readonly #socket: Socket;
  readonly #timeoutMs: number;
  readonly #pending: Pending[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #failure: Error | undefined;
  /** Resolves when the socket has closed, for whatever reason. */
  readonly closed: Promise<void>;

  private constructor(socket: Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    // A reset is the server going away as much as a clean close is.
    socket.on('error', (error) =>
      this.#fail(new RedisConnectionError('closed', error.message, { cause: error })),
    );
    socket.on('close', () =>
      this.#fail(new RedisConnectionError('closed', 'connection closed by the server')),
    );
  }

  /** Connects, then sends AUTH and SELECT when the target asks for them. */
  static async open(target: RedisTarget, options: RespTimeoutOptions = {}): Promise<RespConnection> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await connectSocket(target.host, target.port, timeoutMs);
    const connection = new RespConnection(socket, timeoutMs);
    try {
      if (target.password !== undefined) {
        await connection.command(
          target.username === undefined
            ? ['AUTH', target.password]
            : ['AUTH', target.username, target.password],
        );
      }
      if (target.db !== undefined && target.db !== 0) await connection.command(['SELECT', String(target.db)]);
    } catch (error) {
      connection.close();
      await connection.closed;
      throw error;
    }
    return connection;
  }

  /**
   * Sends one command and resolves with its reply; an error reply rejects with
   * {@link RedisReplyError}, a lost connection or a late reply with {@link RedisConnectionError}.
   */
  command(args: readonly string[]): Promise<RespValue> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<RespValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(
          new RedisConnectionError('timeout', `no reply to ${args[0] ?? '?'} within ${this.#timeoutMs} ms`),
        );
      }, this.#timeoutMs);
      this.#pending.push({
        resolve: (value) => {
          clearTimeout(timer);
          if (value instanceof RedisReplyError) reject(value);
          else resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#socket.write(encodeCommand(args));
    });
  }

  /** Closes the socket at once (await {@link closed} for it to be gone); pending commands reject. Idempotent. */
  close(): void {
    this.#fail(new RedisConnectionError('client', 'connection closed by the client'));
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let offset = 0;
    try {
      for (;;) {
        const parsed = parseReply(this.#buffer, offset);
        if (parsed === undefined) break;
        offset = parsed.next;
        const pending = this.#pending.shift();
        if (pending === undefined) {
          throw new RedisConnectionError(
            'protocol',
            'reply without a command (this client never subscribes)',
          );
        }
        pending.resolve(parsed.value);
      }
    } catch (error) {
      this.#fail(error instanceof Error ? error : new RedisConnectionError('protocol', String(error)));
      return;
    }
    this.#buffer = this.#buffer.subarray(offset);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#socket.destroy();
    for (const pending of this.#pending.splice(0)) pending.reject(this.#failure);
  }
}

/** Connects a TCP socket, failing with {@link RedisConnectionError} after `timeoutMs`. */
function connectSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new RedisConnectionError('connect', `connecting to ${host}:${port} timed out after ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const onError = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new RedisConnectionError('connect', `cannot connect to ${host}:${port}: ${error.message}`, {
          cause: error,
        }),
      );
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      // The caller attaches its own error handler before any further I/O event can fire.
      socket.off('error', onError);
      // Latency matters more than throughput for one small command per connection.
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

/** Opens a connection, sends one command, closes the connection, and returns the reply. */
export async function sendRedisCommand(
  target: RedisTarget | string,
  args: readonly string[],
  options: RespTimeoutOptions = {},
): Promise<RespValue> {
  const resolved = typeof target === 'string' ? parseRedisUrl(target) : target;
  const connection = await RespConnection.open(resolved, options);
  try {
    return await connection.command(args);
  } finally {
    connection.close();
    await connection.closed;
  }
}

/** True when the server answers PING with PONG in time; false on any failure. */
export async function pingRedis(
  target: RedisTarget | string,
  options: RespTimeoutOptions = {},
): Promise<boolean> {
  try {
    return (await sendRedisCommand(target, ['PING'], options)) === 'PONG';
  } catch {
    return false;
  }
}

/**
 * Sends SHUTDOWN NOSAVE and resolves when the server drops the connection, which it does only as
 * it exits (a successful SHUTDOWN has no reply). An error reply, such as a refused shutdown,
 * rejects with {@link RedisReplyError}.
 */
export async function shutdownRedis(
  target: RedisTarget | string,
  options: RespTimeoutOptions = {},
): Promise<void> {
  const resolved = typeof target === 'string' ? parseRedisUrl(target) : target;
  const connection = await RespConnection.open(resolved, options);
  try {
    await connection.command(['SHUTDOWN', 'NOSAVE']);
  } catch (error) {
    if (error instanceof RedisConnectionError && error.reason === 'closed') return;
    throw error;
  } finally {
    connection.close();
    await connection.closed;
  }
  throw new Error('SHUTDOWN NOSAVE returned a reply instead of closing the connection');
}

/**
 * True when something accepts TCP connections on `host:port` within `timeoutMs`. Used to tell a
 * stopped server (connection refused) from a running one without speaking RESP.
 */
export function isPortAccepting(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return connectSocket(host, port, timeoutMs).then(
    (socket) => {
      socket.destroy();
      return true;
    },
    () => false,
  );
}
