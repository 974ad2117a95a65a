/**
 * Cold import time, as a user meets it after `npm install`: vkwire's packages are built and packed
 * (`pnpm -r --filter './packages/*' pack`), the tarballs of @vkwire/longpoll and what it depends on
 * are installed with vk-io (packed from this package's node_modules) into a fresh temporary npm
 * project, and each sample is a fresh `node` process in that project timing one
 * `await import(name)` (performance.now() around it, so node's own start-up is not counted; it is
 * reported apart as `process ms`). Targets alternate within each round (the order flips every
 * round); figures are medians of `--runs` rounds after 2 uncounted ones.
 *
 * Targets: `@vkwire/longpoll` (the import), `vk-io`, and `@vkwire/longpoll + first poll` — the import
 * followed by what the first poll loads on demand (undici, @vkwire/events-schema with zod), so the
 * deferred cost stays visible.
 *
 *   pnpm --filter @vkwire/bench import-time [--runs 21] [--keep]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '21' },
    keep: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a positive integer, got ${values.runs}`);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VKIO = realpathSync(fileURLToPath(new URL('./node_modules/vk-io', import.meta.url)));
// @vkwire/longpoll and the workspace packages it depends on.
const PACKAGES = ['core', 'api-client', 'events-schema', 'longpoll'];

const TARGETS = {
  '@vkwire/longpoll': `await import('@vkwire/longpoll');`,
  'vk-io': `await import('vk-io');`,
  '@vkwire/longpoll + first poll': `await import('@vkwire/longpoll'); await Promise.all([import('undici'), import('@vkwire/events-schema')]);`,
} as const;
type Target = keyof typeof TARGETS;
const NAMES = Object.keys(TARGETS) as Target[];

function run(command: string, args: string[], cwd: string): void {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** A fresh npm project with the packed vkwire packages and vk-io installed. */
function prepare(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vkwire-import-time-'));
  const tarballs = join(dir, 'tarballs');
  const project = join(dir, 'project');
  mkdirSync(tarballs);
  mkdirSync(project);
  run('pnpm', ['-r', '--filter', './packages/*', 'pack', '--pack-destination', tarballs], ROOT);
  run('npm', ['pack', VKIO, '--pack-destination', tarballs, '--silent'], project);
  const files = readdirSync(tarballs);
  const pick = (prefix: string) => {
    const file = files.find((name) => name.startsWith(prefix) && name.endsWith('.tgz'));
    if (!file) throw new Error(`no tarball ${prefix}*.tgz in ${tarballs}: ${files.join(', ')}`);
    return join(tarballs, file);
  };
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'import-time', private: true, type: 'module' }),
  );
  // One npm install of several tarballs links them to each other (longpoll → api-client → core …).
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      ...PACKAGES.map((name) => pick(`vkwire-${name}-`)),
      pick('vk-io-'),
    ],
    project,
  );
  return project;
}

interface Sample {
  importMs: number;
  processMs: number;
}

function sample(project: string, target: Target): Sample {
  const script = `const t = performance.now(); ${TARGETS[target]} process.stdout.write(String(performance.now() - t));`;
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: project,
    encoding: 'utf8',
  });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${target}: node exited with ${child.status}\n${child.stderr}`);
  return { importMs: Number(child.stdout), processMs };
}

const median = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

const project = prepare();
try {
  const vkioVersion = (JSON.parse(readFileSync(join(VKIO, 'package.json'), 'utf8')) as { version: string })
    .version;
  const samples = new Map<Target, Sample[]>(NAMES.map((name) => [name, []]));
  for (let round = -2; round < runs; round += 1) {
    const order = round % 2 === 0 ? NAMES : [...NAMES].reverse();
    for (const target of order) {
      const result = sample(project, target);
      if (round >= 0) samples.get(target)?.push(result);
    }
  }
  const figures = Object.fromEntries(
    NAMES.map((name) => {
      const list = samples.get(name) ?? [];
      const imports = list.map((entry) => entry.importMs);
      return [
        name,
        {
          importMs: Number(median(imports).toFixed(1)),
          minMs: Number(Math.min(...imports).toFixed(1)),
          maxMs: Number(Math.max(...imports).toFixed(1)),
          processMs: Number(median(list.map((entry) => entry.processMs)).toFixed(1)),
        },
      ];
    }),
  ) as Record<Target, { importMs: number; minMs: number; maxMs: number; processMs: number }>;
  const vkio = figures['vk-io'].importMs;
  const ratio = Number((figures['@vkwire/longpoll'].importMs / vkio).toFixed(2));
  const firstPollRatio = Number((figures['@vkwire/longpoll + first poll'].importMs / vkio).toFixed(2));
  console.log(
    JSON.stringify({
      scenario: 'import-time',
      runs,
      node: process.version,
      vkio: vkioVersion,
      loadavg: loadavg().map((value) => Number(value.toFixed(2))),
      figures,
      ratioToVkio: ratio,
      firstPollRatioToVkio: firstPollRatio,
    }),
  );
  for (const name of NAMES) {
    const figure = figures[name];
    console.log(
      `${name.padEnd(30)} import ${figure.importMs} ms (${figure.minMs}–${figure.maxMs}), process ${figure.processMs} ms`,
    );
  }
  console.log(`@vkwire/longpoll / vk-io: ${ratio}× (with what the first poll loads: ${firstPollRatio}×)`);
} finally {
  if (values.keep) console.log(`kept ${project}`);
  else rmSync(join(project, '..'), { recursive: true, force: true });
}
