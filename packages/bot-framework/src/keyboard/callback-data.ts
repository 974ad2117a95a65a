import { VkwireConfigError } from '@vkwire/core';
import { CallbackDataError } from './errors.js';
import { KEYBOARD_LIMITS } from './limits.js';
import { parsePayload } from './payload.js';

/** A field type of callback data: a number, a string, a boolean, or one of a list of strings. */
export type CallbackFieldType = 'number' | 'string' | 'boolean' | readonly string[];

/** A field of a callback data schema: its type, or `{ type, optional: true }` for one that may be left out. */
export type CallbackFieldSpec =
  | CallbackFieldType
  | { readonly type: CallbackFieldType; readonly optional?: boolean };

/** The fields of callback data, by name, in the order they are packed. */
export type CallbackDataSchema = { readonly [field: string]: CallbackFieldSpec };

type TypeOfSpec<Spec> = Spec extends { readonly type: infer Type } ? Type : Spec;
type ValueOfType<Type> = Type extends 'number'
  ? number
  : Type extends 'string'
    ? string
    : Type extends 'boolean'
      ? boolean
      : Type extends readonly (infer Item)[]
        ? Item
        : never;
type IsOptional<Spec> = Spec extends { readonly optional: true } ? true : false;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The data a schema describes.
 *
 * @example
 * type Vote = CallbackDataFromSchema<{ id: 'number'; choice: readonly ['up', 'down'] }>;
 * // { id: number; choice: 'up' | 'down' }
 */
export type CallbackDataFromSchema<Schema extends CallbackDataSchema> = Simplify<
  {
    -readonly [K in keyof Schema as IsOptional<Schema[K]> extends true ? never : K]: ValueOfType<
      TypeOfSpec<Schema[K]>
    >;
  } & {
    -readonly [K in keyof Schema as IsOptional<Schema[K]> extends true ? K : never]?: ValueOfType<
      TypeOfSpec<Schema[K]>
    >;
  }
>;

/** Matches payloads of one kind of callback data, optionally with some fields fixed (`CallbackData#filter`). */
export interface CallbackDataQuery<Data> {
  /** The callback data this query belongs to. */
  readonly callbackData: CallbackData<Data>;
  /** The unpacked data when `payload` is this callback data with the fixed fields; `undefined` otherwise. */
  match(payload: unknown): Data | undefined;
}

/**
 * Typed callback data (aiogram's CallbackData): packs data into a button payload and reads it back
 * from a press. Made by `defineCallbackData`.
 */
export interface CallbackData<Data> {
  /** Tells this kind of payload apart from others; packed first. */
  readonly prefix: string;
  /**
   * The payload string for a button: compact JSON such as `{"c":["vote",7,"up"]}`.
   *
   * @throws CallbackDataError `invalid_value` when a value does not fit the schema, `payload_too_long`
   *   when the payload would exceed VK's 255 characters.
   */
  pack(data: Data): string;
  /**
   * The data in a payload as VK delivers it (a parsed object or a JSON string), or `undefined` when
   * it is not this callback data or is malformed. Never throws: payloads are user-controllable.
   */
  unpack(payload: unknown): Data | undefined;
  /**
   * A query matching this callback data where every given field equals.
   *
   * @example
   * bot.button(vote.filter({ choice: 'up' }), (ctx) => ctx.answer({ type: 'show_snackbar', text: `+1 for ${ctx.data.id}` }));
   * @throws CallbackDataError `invalid_value` when a given value does not fit the schema.
   */
  filter(fields?: Partial<Data>): CallbackDataQuery<Data>;
}

/**
 * The data type of a `CallbackData` (or of a query).
 *
 * @example
 * const vote = defineCallbackData('vote', { id: 'number', choice: ['up', 'down'] });
 * type Vote = CallbackDataOf<typeof vote>; // { id: number; choice: 'up' | 'down' }
 */
export type CallbackDataOf<T> =
  T extends CallbackData<infer Data> ? Data : T extends CallbackDataQuery<infer Data> ? Data : never;

interface Field {
  readonly name: string;
  readonly type: 'number' | 'string' | 'boolean' | 'enum';
  readonly values: ReadonlySet<string>;
  readonly optional: boolean;
}

/** The one key of a packed payload; its value is `[prefix, ...field values]`. */
const KEY = 'c';
const INVALID = Symbol('invalid');

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function expectedOf(field: Field): string {
  switch (field.type) {
    case 'number':
      return 'a finite number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'enum':
      return `one of ${[...field.values].map((value) => JSON.stringify(value)).join(', ')}`;
  }
}

/** The JSON value a field's value is packed as, or INVALID. */
function encodeValue(field: Field, value: unknown): string | number | typeof INVALID {
  switch (field.type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : INVALID;
    case 'string':
      return typeof value === 'string' ? value : INVALID;
    case 'boolean':
      // 1 and 0 keep the payload short.
      return typeof value === 'boolean' ? (value ? 1 : 0) : INVALID;
    case 'enum':
      return typeof value === 'string' && field.values.has(value) ? value : INVALID;
  }
}

/** The value a packed JSON value stands for, or INVALID. */
function decodeValue(field: Field, raw: unknown): unknown {
  switch (field.type) {
    case 'boolean':
      return raw === 1 ? true : raw === 0 ? false : INVALID;
    default:
      return encodeValue(field, raw) === INVALID ? INVALID : raw;
  }
}

function parseSchema(schema: CallbackDataSchema): Field[] {
  if (!isRecord(schema))
    throw new VkwireConfigError('defineCallbackData', 'schema', 'an object of fields', { got: schema });
  return Object.keys(schema).map((name) => {
    const spec = schema[name];
    const option = `schema.${name}`;
    const expected = "'number', 'string', 'boolean', a non-empty list of strings, or { type, optional }";
    const type = isRecord(spec) ? spec.type : spec;
    const optional = isRecord(spec) ? spec.optional === true : false;
    if (type === 'number' || type === 'string' || type === 'boolean')
      return { name, type, values: new Set(), optional };
    if (Array.isArray(type) && type.length > 0 && type.every((value) => typeof value === 'string'))
      return { name, type: 'enum', values: new Set<string>(type), optional };
    throw new VkwireConfigError('defineCallbackData', option, expected, { got: type });
  });
}

class CallbackDataCodec<Data> implements CallbackData<Data> {
  readonly prefix: string;
  readonly #fields: readonly Field[];
  readonly #byName: ReadonlyMap<string, Field>;

  constructor(prefix: string, fields: readonly Field[]) {
    this.prefix = prefix;
    this.#fields = fields;
    this.#byName = new Map(fields.map((field) => [field.name, field]));
  }

  pack(data: Data): string {
    if (!isRecord(data)) this.#invalid(`data must be an object, got ${describe(data)}`);
    this.#checkKnown(data);
    const values: Array<string | number | null> = [this.prefix];
    for (const field of this.#fields) {
      const value = Object.hasOwn(data, field.name) ? data[field.name] : undefined;
      if (value === undefined) {
        if (!field.optional) this.#invalid(`field "${field.name}" is missing; expected ${expectedOf(field)}`);
        values.push(null);
        continue;
      }
      const encoded = encodeValue(field, value);
      if (encoded === INVALID)
        this.#invalid(`field "${field.name}" must be ${expectedOf(field)}, got ${describe(value)}`);
      values.push(encoded);
    }
    // Optional fields left out at the end cost nothing.
    while (values.length > 1 && values.at(-1) === null) values.pop();
    const payload = JSON.stringify({ [KEY]: values });
    if (payload.length > KEYBOARD_LIMITS.payload) {
      throw new CallbackDataError(
        'payload_too_long',
        `${this.prefix}: the packed payload is ${payload.length} characters; VK allows at most ${KEYBOARD_LIMITS.payload} (shorten the prefix or the string values)`,
      );
    }
    return payload;
  }

  unpack(payload: unknown): Data | undefined {
    const value = parsePayload(payload);
    if (!isRecord(value)) return undefined;
    const keys = Object.keys(value);
    if (keys.length !== 1 || keys[0] !== KEY) return undefined;
    const list = value[KEY];
    if (!Array.isArray(list) || list[0] !== this.prefix || list.length - 1 > this.#fields.length)
      return undefined;
    const entries: Array<[string, unknown]> = [];
    for (const [index, field] of this.#fields.entries()) {
      const raw: unknown = list[index + 1];
      if (raw === undefined || raw === null) {
        if (!field.optional) return undefined;
        continue;
      }
      const decoded = decodeValue(field, raw);
      if (decoded === INVALID) return undefined;
      entries.push([field.name, decoded]);
    }
    // fromEntries defines own properties, so a field named like a prototype key stays plain data.
    return Object.fromEntries(entries) as Data;
  }

  filter(fields: Partial<Data> = {}): CallbackDataQuery<Data> {
    if (!isRecord(fields)) this.#invalid(`filter fields must be an object, got ${describe(fields)}`);
    this.#checkKnown(fields);
    const wanted: Array<[string, unknown]> = [];
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      const field = this.#byName.get(name)!;
      if (encodeValue(field, value) === INVALID)
        this.#invalid(`filter field "${name}" must be ${expectedOf(field)}, got ${describe(value)}`);
      wanted.push([name, value]);
    }
    return {
      callbackData: this,
      match: (payload) => {
        const data = this.unpack(payload);
        if (data === undefined) return undefined;
        const record = data as Readonly<Record<string, unknown>>;
        return wanted.every(([name, value]) => record[name] === value) ? data : undefined;
      },
    };
  }

  #checkKnown(data: Readonly<Record<string, unknown>>): void {
    for (const name of Object.keys(data)) {
      if (!this.#byName.has(name)) {
        const known = [...this.#byName.keys()].map((key) => `"${key}"`).join(', ') || 'none';
        this.#invalid(`unknown field "${name}"; the fields are ${known}`);
      }
    }
  }

  #invalid(reason: string): never {
    throw new CallbackDataError('invalid_value', `${this.prefix}: ${reason}`);
  }
}

/**
 * Declares a kind of callback data: a prefix and typed fields. The data type is inferred from the
 * schema (`['up', 'down']` becomes `'up' | 'down'` without `as const`).
 *
 * @example
 * const vote = defineCallbackData('vote', { id: 'number', choice: ['up', 'down'], note: { type: 'string', optional: true } });
 * Keyboard.inline().callback('👍', { payload: vote.pack({ id: 7, choice: 'up' }) });
 * vote.unpack(event.payload); // { id: 7, choice: 'up' } | undefined
 * @throws VkwireConfigError for an empty prefix or a field type that is not one of the above.
 */
export function defineCallbackData<const Schema extends CallbackDataSchema>(
  prefix: string,
  schema: Schema,
): CallbackData<CallbackDataFromSchema<Schema>> {
  if (typeof prefix !== 'string' || prefix.length === 0)
    throw new VkwireConfigError('defineCallbackData', 'prefix', 'a non-empty string', { got: prefix });
  return new CallbackDataCodec(prefix, parseSchema(schema));
}
