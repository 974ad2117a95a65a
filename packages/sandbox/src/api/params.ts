import { invalidParam } from './errors.js';

/** Raw request parameters as VK receives them: every value a string. */
export type RawParams = Readonly<Record<string, string>>;

const INTEGER = /^-?\d+$/;

/** Typed reads of request parameters; every failure is VK's error 100 naming the parameter. */
export class Params {
  constructor(readonly raw: RawParams) {}

  /** The value, or undefined when absent or empty. */
  string(name: string): string | undefined {
    const value = this.raw[name];
    return value === undefined || value === '' ? undefined : value;
  }

  /** The value; error 100 when absent. */
  requireString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw invalidParam(`${name} is a required parameter`);
    return value;
  }

  /** An integer, or undefined when absent; error 100 when not an integer. */
  int(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!INTEGER.test(value.trim())) throw invalidParam(`${name} not integer`);
    return Number(value);
  }

  /** An integer; error 100 when absent or not an integer. */
  requireInt(name: string): number {
    const value = this.int(name);
    if (value === undefined) throw invalidParam(`${name} is a required parameter`);
    return value;
  }

  /** A 0/1 flag (also accepts true/false), or the fallback when absent. */
  flag(name: string, fallback = false): boolean {
    const value = this.string(name);
    if (value === undefined) return fallback;
    return value === '1' || value === 'true';
  }

  /** A comma-separated list of strings (empty when absent). */
  list(name: string): string[] {
    const value = this.string(name);
    if (value === undefined) return [];
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** A comma-separated list of integers; error 100 on a non-integer item. */
  intList(name: string): number[] {
    return this.list(name).map((item) => {
      if (!INTEGER.test(item)) throw invalidParam(`${name} should be a list of integers`);
      return Number(item);
    });
  }

  /** A JSON-encoded parameter, parsed; the thrown error is what `onInvalid` returns. */
  json(name: string, onInvalid: () => Error): unknown {
    const value = this.string(name);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value);
    } catch {
      throw onInvalid();
    }
  }
}

/**
 * Turns a script's argument object (JS values) into VK's string parameters: arrays become
 * comma lists, objects JSON, booleans 1/0, null and undefined are dropped.
 */
export function toRawParams(values: Readonly<Record<string, unknown>>): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') raw[key] = value;
    else if (typeof value === 'number' || typeof value === 'bigint') raw[key] = String(value);
    else if (typeof value === 'boolean') raw[key] = value ? '1' : '0';
    else if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null))
      raw[key] = value.join(',');
    else raw[key] = JSON.stringify(value);
  }
  return raw;
}
