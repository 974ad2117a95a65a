/**
 * Long Poll bodies as JSON, parsed from their bytes.
 *
 * A busy community's answer easily holds 100 updates: 60–150 KB. Decoded whole, that is one string
 * over V8's largest regular object (128 KB; a Cyrillic text takes two bytes a character), which V8
 * places in its large-object space: fresh pages each time, and about 0.7 ms of page faults and
 * bookkeeping per answer on our VMs, ten times what decoding the bytes costs (`bench/fetcher`
 * spent 10% of its time there). A large body is therefore cut along its top-level members, and an
 * array member along its elements; each piece is decoded and parsed on its own, none of them large.
 * The result is what `JSON.parse` of the whole text gives; a body that is not valid JSON is handed
 * to `JSON.parse` whole, so it fails exactly as it would (a `SyntaxError`).
 */

const utf8 = new TextDecoder('utf-8');

/** Bodies below this are parsed whole: their text stays under the large-object size. */
export const WHOLE_BELOW_BYTES = 60_000;

/**
 * Parses a JSON body from its UTF-8 bytes (a leading BOM is skipped, bad bytes become U+FFFD, as
 * `TextDecoder` does).
 *
 * @throws {SyntaxError} the body is not JSON
 */
export function parseJsonBody(bytes: Uint8Array, wholeBelowBytes = WHOLE_BELOW_BYTES): unknown {
  if (bytes.length >= wholeBelowBytes) {
    try {
      const pieces = parseInPieces(bytes);
      if (pieces !== undefined) return pieces.value;
    } catch {
      // A piece that is not JSON: the whole body is not either; JSON.parse below says so.
    }
  }
  return JSON.parse(utf8.decode(bytes));
}

/** `{"ts":"1193","updates":[` and a first element: VK's order, ts a string (Bots) or a number (User). */
const LEADING_TS = /^\s*\{\s*"ts"\s*:\s*(?:"(\d{1,40})"|(\d{1,40}))\s*,\s*"updates"\s*:\s*\[\s*[^\s\]]/;

/** How many bytes {@link leadingTs} looks at. */
const LEADING_BYTES = 128;

/**
 * The ts of a long poll answer with updates that starts as VK writes it (`{"ts":"1193","updates":[…`),
 * read from its first bytes, before the body is parsed: the next request can go out while this one
 * is parsed. Undefined for any other shape (another member first, no updates, a `failed` answer).
 * A hint: the parsed answer's ts is what counts (a body that repeats `ts` later means the later one).
 */
export function leadingTs(bytes: Uint8Array): string | undefined {
  // Latin-1 is enough to read ASCII digits and punctuation, and cannot fail on a cut character.
  const head = String.fromCharCode(...bytes.subarray(0, LEADING_BYTES));
  const match = LEADING_TS.exec(head);
  return match === null ? undefined : (match[1] ?? match[2]);
}

/**
 * Tells `onTs` (when given) the body's {@link leadingTs}, when it has one, and then resolves on the
 * event loop's next turn: undici writes a request there, so the one `onTs` sent goes out before
 * this body's parse holds the thread. Undefined when there was nothing to tell.
 */
export function hintLeadingTs(
  bytes: Uint8Array,
  onTs: ((ts: string) => void) | undefined,
): Promise<void> | undefined {
  if (onTs === undefined) return undefined;
  const ts = leadingTs(bytes);
  if (ts === undefined) return undefined;
  onTs(ts);
  return new Promise((resolve) => setImmediate(resolve));
}

/** The first characters of a body, for an error message. */
export function bodyPreview(bytes: Uint8Array, characters = 120): string {
  return utf8.decode(bytes.subarray(0, characters * 4)).slice(0, characters);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Uint8Array, at: number): number {
  while (isSpace(bytes[at])) at++;
  return at;
}

/**
 * The end of the value that starts at `at` (one past its last byte), or -1. It only finds the
 * boundary (strings with their escapes, brackets by depth); the piece's own JSON.parse checks it.
 */
function valueEnd(bytes: Uint8Array, at: number): number {
  const n = bytes.length;
  const first = bytes[at];
  if (first === QUOTE) {
    for (let i = at + 1; i < n; i++) {
      const byte = bytes[i];
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) return i + 1;
    }
    return -1;
  }
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let i = at; i < n; i++) {
      const byte = bytes[i];
      if (byte === QUOTE) {
        for (i++; i < n; i++) {
          const inner = bytes[i];
          if (inner === BACKSLASH) i++;
          else if (inner === QUOTE) break;
        }
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
      else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let i = at;
  while (i < n) {
    const byte = bytes[i];
    if (byte === COMMA || byte === CLOSE_OBJECT || byte === CLOSE_ARRAY || isSpace(byte)) break;
    i++;
  }
  return i === at ? -1 : i;
}

function parsePiece(bytes: Uint8Array, start: number, end: number): unknown {
  return JSON.parse(utf8.decode(bytes.subarray(start, end)));
}

/** The elements of the array at `at`, each parsed on its own, and where the array ends; or undefined. */
function parseArray(bytes: Uint8Array, at: number): { value: unknown[]; end: number } | undefined {
  const value: unknown[] = [];
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_ARRAY) return { value, end: i + 1 };
  for (;;) {
    const end = valueEnd(bytes, i);
    if (end < 0) return undefined;
    value.push(parsePiece(bytes, i, end));
    i = skipSpace(bytes, end);
    if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1);
    else if (bytes[i] === CLOSE_ARRAY) return { value, end: i + 1 };
    else return undefined;
  }
}

/**
 * A top-level object parsed member by member (an array member element by element); undefined for
 * any other shape (then the caller parses the body whole). Throws when a piece is not JSON.
 */
function parseInPieces(bytes: Uint8Array): { value: Record<string, unknown> } | undefined {
  const n = bytes.length;
  // A UTF-8 byte order mark, which TextDecoder would skip.
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  i = skipSpace(bytes, i);
  if (bytes[i] !== OPEN_OBJECT) return undefined;
  const value: Record<string, unknown> = {};
  i = skipSpace(bytes, i + 1);
  if (bytes[i] === CLOSE_OBJECT) return skipSpace(bytes, i + 1) === n ? { value } : undefined;
  for (;;) {
    if (bytes[i] !== QUOTE) return undefined;
    const keyEnd = valueEnd(bytes, i);
    if (keyEnd < 0) return undefined;
    const key = parsePiece(bytes, i, keyEnd) as string;
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) return undefined;
    i = skipSpace(bytes, i + 1);
    let member: unknown;
    if (bytes[i] === OPEN_ARRAY) {
      const array = parseArray(bytes, i);
      if (array === undefined) return undefined;
      member = array.value;
      i = array.end;
    } else {
      const end = valueEnd(bytes, i);
      if (end < 0) return undefined;
      member = parsePiece(bytes, i, end);
      i = end;
    }
    // As JSON.parse: an own property even for "__proto__", the last of repeated keys wins.
    Object.defineProperty(value, key, {
      value: member,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    i = skipSpace(bytes, i);
    if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1);
    else if (bytes[i] === CLOSE_OBJECT) return skipSpace(bytes, i + 1) === n ? { value } : undefined;
    else return undefined;
  }
}
