import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as light from '../src/event-types.js';
import { isKnownEventType, VK_EVENT_TYPES, vkEventSchemas } from '../src/index.js';

describe('the zod-free event-types entry', () => {
  test('lists exactly the keys of vkEventSchemas, in their order', () => {
    expect(light.VK_EVENT_TYPES).toEqual(Object.keys(vkEventSchemas));
    expect(light.VK_EVENT_TYPES).toEqual(VK_EVENT_TYPES);
  });

  test('answers as the main entry does', () => {
    for (const type of [...VK_EVENT_TYPES, 'confirmation', 'message_neww', 'toString', '__proto__', '']) {
      expect(light.isKnownEventType(type), type).toBe(isKnownEventType(type));
    }
  });

  test('imports nothing at run time but order-key.ts, which imports nothing (so no zod)', () => {
    const lines = (file: string) =>
      readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8')
        .split('\n')
        .filter((line) => /^\s*(import|export)\b.*\bfrom\b/.test(line));
    const imports = lines('event-types.ts');
    expect(
      imports.every((line) => /^import type /.test(line) || line.includes("from './order-key.js'")),
      imports.join('\n'),
    ).toBe(true);
    expect(lines('order-key.ts')).toEqual([]);
  });
});
