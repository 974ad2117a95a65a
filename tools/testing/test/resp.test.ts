import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import {
  encodeCommand,
  isPortAccepting,
  parseRedisUrl,
  parseReply,
  RedisConnectionError,
  RedisReplyError,
  RespConnection,
  type RespValue,
  redactRedisUrl,
  sendRedisCommand,
  shutdownRedis,
} from '../src/index.js';

/** What a fake server does with each command it receives. */
type Handler = (command: string[], socket: Socket) => void;

/** A fake Redis on a loopback port, and the connections it accepted. */
interface Fake {
  server: Server;
  sockets: Set<Socket>;
}

/** Every fake is closed after its test, its connections first (close waits for them). */
const fakes: Fake[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await closeFake(fake);
});

async function closeFake({ server, sockets }: Fake): Promise<void> {
  for (const socket of sockets) socket.destroy();
  server.close();
  await once(server, 'close');
}

/** Starts a fake Redis that decodes commands with the client's own parser (they are RESP arrays). */
async function fakeRedis(handler: Handler): Promise<{ port: number; received: string[][] }> {
  const received: string[][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let parsed = parseReply(buffer); parsed !== undefined; parsed = parseReply(buffer)) {
        buffer = buffer.subarray(parsed.next);
        const command = (parsed.value as string[]).map(String);
        received.push(command);
        handler(command, socket);
      }
    });
    // The client may reset the connection; that is not this fake's failure.
    socket.on('error', () => undefined);
  });
  fakes.push({ server, sockets });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, received };
}

describe('RESP encoding and parsing', () => {
  test('a command is an array of bulk strings, counted in bytes', () => {
    expect(encodeCommand(['SET', 'ключ', '']).toString()).toBe('*3\r\n$3\r\nSET\r\n$8\r\nключ\r\n$0\r\n\r\n');
  });

  test('every RESP2 type decodes, including nested arrays and error values inside them', () => {
    const bytes = Buffer.from('*5\r\n+OK\r\n:42\r\n$-1\r\n*2\r\n$3\r\nabc\r\n-ERR inner\r\n$5\r\nhello\r\n');
    const parsed = parseReply(bytes);
    expect(parsed?.next).toBe(bytes.length);
    const value = parsed?.value as RespValue[];
    expect(value.slice(0, 3)).toEqual(['OK', 42, null]);
    const nested = value[3] as RespValue[];
    expect(nested[0]).toBe('abc');
    expect(nested[1]).toBeInstanceOf(RedisReplyError);
    expect((nested[1] as RedisReplyError).message).toBe('ERR inner');
    expect(value[4]).toBe('hello');
  });

  test('an incomplete reply waits for more bytes at every split point', () => {
    const bytes = Buffer.from('*2\r\n$5\r\nhello\r\n:7\r\n');
    for (let end = 0; end < bytes.length; end++) expect(parseReply(bytes.subarray(0, end))).toBeUndefined();
    expect(parseReply(bytes)?.value).toEqual(['hello', 7]);
  });

  test('bytes that are not RESP are refused', () => {
    expect(() => parseReply(Buffer.from('HTTP/1.1 400\r\n'))).toThrow(RedisConnectionError);
  });
});

describe('Redis URLs', () => {
  test('host, port, credentials and database come from the URL', () => {
    expect(parseRedisUrl('redis://localhost')).toEqual({ host: 'localhost', port: 6379 });
    expect(parseRedisUrl('redis://us%40er:p%3Ass@10.0.0.1:6380/3')).toEqual({
      host: '10.0.0.1',
      port: 6380,
      username: 'us@er',
      password: 'p:ss',
      db: 3,
    });
    expect(parseRedisUrl('redis://[::1]:7000')).toEqual({ host: '::1', port: 7000 });
  });

  test('TLS and garbage are refused, without echoing the password', () => {
    expect(() => parseRedisUrl('rediss://:hunter2@example.com')).toThrow(/plain redis:\/\/ only/);
    expect(() => parseRedisUrl('rediss://:hunter2@example.com')).not.toThrow(/hunter2/);
    expect(() => parseRedisUrl('not a url')).toThrow(/not a Redis URL/);
  });

  test('redaction hides only the password', () => {
    expect(redactRedisUrl('redis://user:hunter2@host:1/2')).toBe('redis://user:***@host:1/2');
    expect(redactRedisUrl('redis://host:1')).toBe('redis://host:1');
  });
});

describe('RespConnection against a fake server', () => {
  test('replies split into single bytes still arrive whole, in command order', async () => {
    const { port } = await fakeRedis((command, socket) => {
      const reply = Buffer.from(
        command[0] === 'ECHO' ? `$${command[1]?.length}\r\n${command[1]}\r\n` : ':1\r\n',
      );
      // One write per byte: the client must reassemble across 'data' events.
      for (const byte of reply) socket.write(Buffer.from([byte]));
    });
    const connection = await RespConnection.open({ host: '127.0.0.1', port });
    try {
      const replies = await Promise.all([
        connection.command(['ECHO', 'first']),
        connection.command(['INCR', 'x']),
        connection.command(['ECHO', 'third']),
      ]);
      expect(replies).toEqual(['first', 1, 'third']);
    } finally {
      connection.close();
      await connection.closed;
    }
  });

  test('AUTH and SELECT go first when the URL asks for them', async () => {
    const fake = await fakeRedis((_command, socket) => socket.write('+OK\r\n'));
    await sendRedisCommand(`redis://alice:secret@127.0.0.1:${fake.port}/2`, ['FLUSHALL']);
    expect(fake.received).toEqual([['AUTH', 'alice', 'secret'], ['SELECT', '2'], ['FLUSHALL']]);
  });

  test('an error reply rejects with RedisReplyError and the connection stays usable', async () => {
    const { port } = await fakeRedis((command, socket) =>
      socket.write(command[0] === 'BAD' ? '-ERR unknown command\r\n' : '+PONG\r\n'),
    );
    const connection = await RespConnection.open({ host: '127.0.0.1', port });
    try {
      await expect(connection.command(['BAD'])).rejects.toThrow(RedisReplyError);
      await expect(connection.command(['PING'])).resolves.toBe('PONG');
    } finally {
      connection.close();
      await connection.closed;
    }
  });

  test('a reply that never comes times out, and the connection is closed', async () => {
    const { port } = await fakeRedis(() => undefined);
    const connection = await RespConnection.open({ host: '127.0.0.1', port }, { timeoutMs: 100 });
    await expect(connection.command(['PING'])).rejects.toMatchObject({ reason: 'timeout' });
    await connection.closed;
    await expect(connection.command(['PING'])).rejects.toMatchObject({ reason: 'timeout' });
  });

  test('connecting to a closed port fails with reason connect', async () => {
    const { port } = await fakeRedis(() => undefined);
    const fake = fakes.pop();
    if (fake !== undefined) await closeFake(fake);
    await expect(sendRedisCommand({ host: '127.0.0.1', port }, ['PING'])).rejects.toMatchObject({
      name: 'RedisConnectionError',
      reason: 'connect',
    });
    expect(await isPortAccepting('127.0.0.1', port)).toBe(false);
  });

  test('SHUTDOWN succeeds when the server drops the connection, and fails on an error reply', async () => {
    const closing = await fakeRedis((_command, socket) => socket.destroy());
    await expect(shutdownRedis({ host: '127.0.0.1', port: closing.port })).resolves.toBeUndefined();
    expect(closing.received).toEqual([['SHUTDOWN', 'NOSAVE']]);

    const refusing = await fakeRedis((_command, socket) =>
      socket.write('-ERR Errors trying to SHUTDOWN\r\n'),
    );
    await expect(shutdownRedis({ host: '127.0.0.1', port: refusing.port })).rejects.toThrow(/Errors trying/);
  });
});
