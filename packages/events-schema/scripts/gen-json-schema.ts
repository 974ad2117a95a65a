/**
 * Writes `event.schema.json` (the JSON Schema of the normalized event) from the zod schema.
 *
 *   pnpm --filter @vkwire/events-schema gen:schema          # regenerate
 *   pnpm --filter @vkwire/events-schema gen:schema --check  # exit 1 when the committed file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventJsonSchema } from '../src/index.js';

const target = fileURLToPath(new URL('../event.schema.json', import.meta.url));
const text = `${JSON.stringify(eventJsonSchema(), null, 2)}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== text) {
    console.error('event.schema.json is out of date: run pnpm --filter @vkwire/events-schema gen:schema');
    process.exit(1);
  }
  console.log('event.schema.json is up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
