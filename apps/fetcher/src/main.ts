#!/usr/bin/env node
// The service's entry: `node dist/main.js` (or `pnpm --filter @vkwire/fetcher start`). The
// environment is its configuration; `--help` lists it.
import { errorText } from '@vkwire/core';
import { pino } from 'pino';
import {
  configSummary,
  type FetcherConfig,
  formatConfigProblems,
  helpText,
  parseConfig,
} from './config/index.js';
import { Fetcher } from './fetcher.js';
import { HttpListenError, type HttpServer, startHttpServer } from './http.js';
import { errorSerializers } from './log.js';
import { createFetcherMetrics, type FetcherMetrics } from './metrics.js';
import type { FetcherObserver } from './observer.js';
import { createApiNameResolver } from './resolver/index.js';

/** SIGTERM to exit: the service is done within this, whatever Redis and VK do. */
const EXIT_WITHIN_MS = 10_000;

/** What each outcome exits with. */
const EXIT = { ok: 0, failed: 1, config: 2 } as const;

/** The metrics, as the service core reports into them. */
function observe(metrics: FetcherMetrics): FetcherObserver {
  return {
    received: (_groupId, vkType, count) => metrics.updatesReceived(vkType, count),
    published: (events, seconds) => {
      // One counter step per run of one event type (an answer is mostly one type).
      let type = events[0]?.event_type;
      let count = 0;
      for (const event of events) {
        if (event.event_type === type) {
          count++;
          continue;
        }
        if (type !== undefined) metrics.eventsPublished(type, count);
        type = event.event_type;
        count = 1;
      }
      if (type !== undefined && count > 0) metrics.eventsPublished(type, count);
      metrics.publishLatency(seconds);
    },
    caughtUp: (groupId) => metrics.pollAnswered(groupId),
    longPollFailed: (_groupId, failed) => metrics.longPollFailed(failed),
    gap: () => metrics.gap(),
    role: (groupId, role) => metrics.setLeader(groupId, role === 'leader'),
    apiError: (code) => metrics.vkApiError(code),
  };
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    const help = helpText();
    process.stdout.write(help.endsWith('\n') ? help : `${help}\n`);
    return EXIT.ok;
  }
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    process.stderr.write(`${formatConfigProblems(parsed.problems)}\n`);
    return EXIT.config;
  }
  return run(parsed.config);
}

async function run(config: FetcherConfig): Promise<number> {
  const logger = pino({
    level: config.logLevel,
    base: { service: 'vkwire-fetcher' },
    // Errors under `err` or `error` as type, code and message (pino prints an Error under
    // `error` as {}), with the tokens redacted.
    serializers: errorSerializers(config.tokens),
  });
  const metrics = createFetcherMetrics();
  const fetcher = new Fetcher({
    tokens: config.tokens,
    ...(config.groupId !== undefined ? { groupId: config.groupId } : {}),
    redisUrl: config.redisUrl,
    apiBaseUrl: config.vkApiUrl,
    stream: config.busStream,
    partitions: config.busPartitions,
    maxLen: config.busMaxLen,
    dedupeTtlMs: config.busDedupeTtlMs,
    prefixes: config.commandPrefixes,
    wait: config.lpWait,
    leaseMs: config.leaseMs,
    logger,
    observer: observe(metrics),
    resolver: (api) =>
      createApiNameResolver({
        api,
        timeoutMs: config.resolveTimeoutMs,
        logger,
        onCacheHit: metrics.resolverCacheHit,
        onCacheMiss: metrics.resolverCacheMiss,
        onUnresolved: (kind, ids) => metrics.namesUnresolved(kind, ids.length),
      }),
  });

  let http: HttpServer;
  try {
    http = await startHttpServer({
      host: config.httpHost,
      port: config.httpPort,
      metrics,
      readiness: () => fetcher.status(),
      onError: (error) => logger.warn({ err: error }, 'fetcher: health or metrics request failed'),
    });
  } catch (error) {
    if (!(error instanceof HttpListenError)) throw error;
    process.stderr.write(`${error.message}\n`);
    await fetcher.stop();
    return EXIT.config;
  }
  // Before the first line: whoever reads it may signal at once.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ config: configSummary(config), http: http.url }, 'fetcher: starting');
  fetcher.start();
  const outcome = await Promise.race([
    signalled.then((signal) => ({ signal })),
    fetcher.failed.then((error) => ({ error })),
  ]);
  if ('error' in outcome) logger.fatal({ err: outcome.error }, outcome.error.message);
  else logger.info({ signal: outcome.signal }, 'fetcher: stopping');

  // Past the bound the process ends anyway: a stop that hangs must not keep a replica alive.
  const guard = setTimeout(() => {
    logger.error({}, `fetcher: did not stop within ${EXIT_WITHIN_MS} ms; exiting`);
    process.exit(EXIT.failed);
  }, EXIT_WITHIN_MS - 500);
  guard.unref();
  await Promise.all([fetcher.stop(), http.stop()]);
  logger.info({}, 'fetcher: stopped');
  return 'error' in outcome ? EXIT.failed : EXIT.ok;
}

main().then(
  (code) => {
    // Let pino flush its last lines, then end even if a library left a handle open.
    process.exitCode = code;
    setTimeout(() => process.exit(code), 100).unref();
  },
  (error: unknown) => {
    process.stderr.write(`fetcher: ${errorText(error)}\n`);
    process.exit(EXIT.failed);
  },
);
