import { type ArgMeasure, type Argument, createArgument } from './argument.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

// Unit words, English and Russian, longest first so that `ms` wins over `m` and `мин` over `м`.
const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['ms', 1],
  ['мс', 1],
  ['w', WEEK],
  ['нед', WEEK],
  ['н', WEEK],
  ['d', DAY],
  ['д', DAY],
  ['h', HOUR],
  ['ч', HOUR],
  ['m', MINUTE],
  ['min', MINUTE],
  ['мин', MINUTE],
  ['м', MINUTE],
  ['s', SECOND],
  ['sec', SECOND],
  ['сек', SECOND],
  ['с', SECOND],
];
const UNIT_MS = new Map(UNITS);
const PART = /(\d+(?:[.,]\d+)?)([a-zа-яё]+)/gy;

/**
 * Reads `10m`, `1h30m`, `45s`, `2d`, `1w`, `500ms`, `1.5h` (also Russian units: `10м`, `2ч`, `3д`)
 * into milliseconds; undefined when it is not a duration. A bare number has no unit and is not one.
 */
export function parseDuration(token: string): number | undefined {
  const text = token.toLowerCase();
  if (text === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let match = PART.exec(text); match !== null; match = PART.exec(text)) {
    const unit = UNIT_MS.get(match[2] as string);
    if (unit === undefined) return undefined;
    total += Number((match[1] as string).replace(',', '.')) * unit;
    end = PART.lastIndex;
  }
  if (end !== text.length) return undefined;
  const value = Math.round(total);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Milliseconds as a short duration: `5400000` → `1h30m`, `1500` → `1s500ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.abs(ms);
  let text = '';
  for (const [unit, size] of [
    ['w', WEEK],
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', SECOND],
    ['ms', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return ms < 0 ? `-${text}` : text;
}

const DURATION: ArgMeasure = { of: (value) => value as number, show: formatDuration, unit: '' };

/**
 * A duration such as `10m`, `1h30m`, `45s`, `2d` (see {@link parseDuration}), in milliseconds.
 * `min`/`max` take milliseconds and are shown as durations.
 *
 * @example
 * arg.duration().max(7 * 24 * 3600_000) // "8d" → out_of_range: expected a duration at most 1w
 */
export function duration(): Argument<number> {
  return createArgument({
    kind: 'duration',
    typeName: 'duration',
    expected: 'a duration such as 10m, 1h30m or 2d',
    source: 'token',
    measure: DURATION,
    convert: parseDuration,
  });
}
