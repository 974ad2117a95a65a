/**
 * What parsing Bots Long Poll updates with @vkwire/events-schema costs next to the JSON.parse every
 * client pays anyway: 300k message_new updates, 100 per long poll answer, each answer JSON.parse'd
 * and then:
 *   json       nothing more (the baseline)
 *   validate   parseUpdate(update): schema check + in-place normalization
 *   normalize  parseUpdate + normalizeSync (the fetcher's path, names left to a resolver)
 *   trusted    parseUpdate(update, { validate: false }): normalization only
 *   zod        vkEventSchemas.message_new.safeParse(update.object): plain zod, for reference
 * over two data sets: the sandbox's bulk message (a private text message with client_info, what
 * `sandbox-longpoll` serves) and a mix cycling through every message_new fixture (chat replies,
 * forwards, photos and docs, stickers, voice, button payloads, service messages).
 * Scenarios run interleaved, round after round (the first round is a warm-up); a cost is the median
 * over rounds of (scenario − json) / json within the same round.
 *
 *   pnpm exec tsx --conditions=@vkwire/source schema.ts [--events 300000] [--rounds 5]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
// Relative until bench depends on @vkwire/events-schema; the package's public face either way.
import { normalizeSync, parseUpdate, vkEventSchemas } from '@vkwire/events-schema';
import { benchMessageUpdate } from './lib/bus-events.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '5' } },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const PER_ANSWER = 100;

type Json = Record<string, unknown>;

const CLIENT_INFO = {
  button_actions: [
    'text',
    'vkpay',
    'open_app',
    'location',
    'open_link',
    'callback',
    'intent_subscribe',
    'intent_unsubscribe',
  ],
  keyboard: true,
  inline_keyboard: true,
  carousel: true,
  lang_id: 0,
};

/** The update the sandbox's bulk generator emits (see packages/sandbox/src/sandbox.ts). */
function sandboxUpdate(index: number): Json {
  return benchMessageUpdate({
    index,
    user: 100_000_001 + (index % 100),
    text: 'bulk message',
    clientInfo: CLIENT_INFO,
  });
}

const FIXTURES = new URL('../packages/events-schema/test/fixtures/events/', import.meta.url);
const messageFixtures = readdirSync(FIXTURES)
  .filter((name) => name.startsWith('message_new.'))
  .sort()
  .map(
    (name) =>
      JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Json & { object: { message: Json } },
  );

/** Every message_new fixture in turn, with fresh ids. */
function mixedUpdate(index: number): Json {
  const update = structuredClone(messageFixtures[index % messageFixtures.length]) as Json & {
    object: { message: Json };
  };
  update.event_id = index.toString(16).padStart(40, '0');
  update.object.message.conversation_message_id = index + 1;
  return update;
}

function answers(make: (index: number) => Json): string[] {
  const out: string[] = [];
  for (let start = 0; start < EVENTS; start += PER_ANSWER) {
    const updates: string[] = [];
    for (let index = start; index < Math.min(start + PER_ANSWER, EVENTS); index += 1) {
      updates.push(JSON.stringify(make(index)));
    }
    out.push(`{"ts":"${start / PER_ANSWER}","updates":[${updates.join(',')}]}`);
  }
  return out;
}

let sink = 0;
const messageNew = vkEventSchemas.message_new;
const SCENARIOS: Record<string, (update: unknown) => void> = {
  json: (update) => {
    sink += (update as Json).group_id as number;
  },
  validate: (update) => {
    sink += parseUpdate(update).group_id;
  },
  normalize: (update) => {
    sink += normalizeSync(parseUpdate(update)).group_id;
  },
  trusted: (update) => {
    sink += parseUpdate(update, { validate: false }).group_id;
  },
  zod: (update) => {
    sink += messageNew.safeParse((update as Json).object).success ? 1 : 0;
  },
};

function timeOnce(data: string[], handle: (update: unknown) => void): number {
  const started = performance.now();
  for (const text of data) {
    const answer = JSON.parse(text) as { updates: unknown[] };
    for (const update of answer.updates) handle(update);
  }
  return performance.now() - started;
}

const median = (list: number[]): number => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

function measure(data: string[]) {
  const times: Record<string, number[]> = Object.fromEntries(
    Object.keys(SCENARIOS).map((name) => [name, []]),
  );
  for (let round = 0; round <= ROUNDS; round += 1) {
    for (const [name, handle] of Object.entries(SCENARIOS)) {
      const ms = timeOnce(data, handle);
      if (round > 0) times[name]?.push(ms);
    }
  }
  const json = times.json as number[];
  const result: Record<string, { ms: number; eventsPerSecond: number; costVsJsonParse?: number }> = {};
  for (const [name, list] of Object.entries(times)) {
    const ms = median(list);
    const entry: { ms: number; eventsPerSecond: number; costVsJsonParse?: number } = {
      ms: Math.round(ms),
      eventsPerSecond: Math.round(EVENTS / (ms / 1000)),
    };
    if (name !== 'json') {
      // Paired within a round: the machine's drift between rounds cancels out.
      entry.costVsJsonParse = Number(
        median(
          list.map((value, index) => (value - (json[index] as number)) / (json[index] as number)),
        ).toFixed(3),
      );
    }
    result[name] = entry;
  }
  return result;
}

const sandbox = measure(answers(sandboxUpdate));
const mixed = measure(answers(mixedUpdate));
const TARGET = 0.3;
const figures = {
  scenario: 'schema',
  events: EVENTS,
  perAnswer: PER_ANSWER,
  rounds: ROUNDS,
  node: process.version,
  target: TARGET,
  met: (sandbox.validate?.costVsJsonParse ?? 1) < TARGET && (mixed.validate?.costVsJsonParse ?? 1) < TARGET,
  sandbox,
  mixed,
  sink: sink > 0,
};
console.log(JSON.stringify(figures));
const percent = (value: number | undefined) => `${Math.round((value ?? 0) * 100)}%`;
console.log(
  `parseUpdate validation costs ${percent(sandbox.validate?.costVsJsonParse)} of JSON.parse on sandbox message_new (${percent(mixed.validate?.costVsJsonParse)} on the fixture mix), +normalize ${percent(sandbox.normalize?.costVsJsonParse)} (${percent(mixed.normalize?.costVsJsonParse)}), validation off ${percent(sandbox.trusted?.costVsJsonParse)} (${percent(mixed.trusted?.costVsJsonParse)}), plain zod ${percent(sandbox.zod?.costVsJsonParse)} (${percent(mixed.zod?.costVsJsonParse)}); JSON.parse alone ${sandbox.json?.eventsPerSecond.toLocaleString('en')} ev/s; target < 30%: ${figures.met ? 'met' : 'NOT met'}`,
);
