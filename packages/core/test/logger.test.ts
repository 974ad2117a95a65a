import { describe, expect, it, vi } from 'vitest';
import { createStderrLogger, errorText, toError, VkwireConfigError } from '../src/index.ts';

describe('the stderr fallback logger', () => {
  it('prints warnings and errors as one line each with their fields, and drops debug and info', () => {
    const lines: string[] = [];
    const logger = createStderrLogger({ write: (line) => lines.push(line) });
    logger.debug({ a: 1 }, 'debug line');
    logger.info({ a: 1 }, 'info line');
    logger.warn({ groupId: 1, reason: 'two words' }, 'event type message_new is switched off');
    logger.error({ err: new TypeError('boom') }, 'handler failed');
    expect(lines).toEqual([
      '[vkwire] warn: event type message_new is switched off groupId=1 reason="two words"',
      '[vkwire] error: handler failed err="TypeError: boom"',
    ]);
  });

  it('prints a repeated message once per interval and counts the repeats in between', () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const logger = createStderrLogger({ write: (line) => lines.push(line), intervalMs: 1000 });
      for (let index = 0; index < 50; index += 1)
        logger.error({ attempt: index }, 'long poll request failed');
      logger.warn({}, 'another kind');
      expect(lines).toHaveLength(2);
      vi.advanceTimersByTime(1001);
      logger.error({ attempt: 50 }, 'long poll request failed');
      expect(lines).toHaveLength(3);
      expect(lines[2]).toContain('attempt=50');
      expect(lines[2]).toContain('and 49 more like it');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('VkwireConfigError', () => {
  it('names the option, what was expected and what came, with a stable code', () => {
    const error = new VkwireConfigError('GroupLongPoll', 'groupId', 'a positive integer', {
      got: '218734561',
    });
    expect(error.code).toBe('invalid_option');
    expect(error.option).toBe('groupId');
    expect(error.message).toBe(
      'GroupLongPoll: `groupId` must be a positive integer, got the string "218734561"',
    );
  });

  it('never prints a secret value, only its type', () => {
    const error = new VkwireConfigError('VkApi', 'token', 'a non-empty string', { got: 12345, secret: true });
    expect(error.message).not.toContain('12345');
    expect(error.message).toContain('got a number');
  });

  it('describes objects and arrays with the right article', () => {
    const options = (got: unknown) =>
      new VkwireConfigError('VkApi', 'hooks', 'an object of functions', { got }).message;
    expect(options({})).toBe('VkApi: `hooks` must be an object of functions, got an object');
    expect(options([])).toMatch(/, got an array$/);
    expect(options(() => 1)).toMatch(/, got a function$/);
    expect(new VkwireConfigError('VkApi', 'token', 'a string', { got: {}, secret: true }).message).toMatch(
      /got an object$/,
    );
  });
});

describe('error helpers', () => {
  it('turn anything thrown into an Error and a log line', () => {
    expect(toError('plain').message).toBe('plain');
    expect(errorText(new RangeError('out'))).toBe('RangeError: out');
    expect(errorText(42)).toBe('42');
    // A class that keeps the name Error and gives no message (node-redis's command timeout).
    class TimeoutError extends Error {}
    expect(errorText(new TimeoutError())).toBe('TimeoutError: (no message)');
    expect(errorText(new Error(''))).toBe('Error: (no message)');
  });
});
