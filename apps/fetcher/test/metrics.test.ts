import { register as globalRegistry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { createFetcherMetrics } from '../src/metrics.ts';

/** The value of one sample line of the exposition, or undefined when there is none. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((row) => row.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createFetcherMetrics', () => {
  test('counts updates, published events, API errors, failed answers and gaps with their labels', async () => {
    const metrics = createFetcherMetrics({ defaultMetrics: false });
    metrics.updatesReceived('message_new');
    metrics.updatesReceived('message_new', 2);
    metrics.updatesReceived('message_event');
    metrics.eventsPublished('command', 3);
    metrics.eventsPublished('button');
    metrics.vkApiError(6);
    metrics.vkApiError(6);
    metrics.vkApiError(15);
    metrics.longPollFailed(2);
    metrics.gap();
    const text = await metrics.metrics();
    expect(sample(text, 'vkwire_fetcher_updates_received_total{update_type="message_new"}')).toBe(3);
    expect(sample(text, 'vkwire_fetcher_updates_received_total{update_type="message_event"}')).toBe(1);
    expect(sample(text, 'vkwire_fetcher_events_published_total{event_type="command"}')).toBe(3);
    expect(sample(text, 'vkwire_fetcher_events_published_total{event_type="button"}')).toBe(1);
    expect(sample(text, 'vkwire_fetcher_vk_api_errors_total{code="6"}')).toBe(2);
    expect(sample(text, 'vkwire_fetcher_vk_api_errors_total{code="15"}')).toBe(1);
    expect(sample(text, 'vkwire_fetcher_longpoll_failed_total{failed="2"}')).toBe(1);
    expect(sample(text, 'vkwire_fetcher_longpoll_failed_total{failed="1"}')).toBe(0);
    expect(sample(text, 'vkwire_fetcher_gaps_total')).toBe(1);
    expect(text).toContain('# TYPE vkwire_fetcher_updates_received_total counter');
  });

  test('resolver hits, misses and unresolved names by kind, every kind present from the start', async () => {
    const metrics = createFetcherMetrics({ defaultMetrics: false });
    const before = await metrics.metrics();
    for (const kind of ['user', 'group', 'chat'])
      for (const name of [
        'resolver_cache_hits_total',
        'resolver_cache_misses_total',
        'names_unresolved_total',
      ])
        expect(sample(before, `vkwire_fetcher_${name}{kind="${kind}"}`)).toBe(0);
    metrics.resolverCacheHit('user', 40);
    metrics.resolverCacheMiss('chat');
    metrics.namesUnresolved('group', 2);
    const after = await metrics.metrics();
    expect(sample(after, 'vkwire_fetcher_resolver_cache_hits_total{kind="user"}')).toBe(40);
    expect(sample(after, 'vkwire_fetcher_resolver_cache_misses_total{kind="chat"}')).toBe(1);
    expect(sample(after, 'vkwire_fetcher_names_unresolved_total{kind="group"}')).toBe(2);
  });

  test('publish latency lands in millisecond-scale buckets', async () => {
    const metrics = createFetcherMetrics({ defaultMetrics: false });
    metrics.publishLatency(0.0008);
    metrics.publishLatency(0.004);
    metrics.publishLatency(12);
    const text = await metrics.metrics();
    expect(sample(text, 'vkwire_fetcher_publish_latency_seconds_bucket{le="0.001"}')).toBe(1);
    expect(sample(text, 'vkwire_fetcher_publish_latency_seconds_bucket{le="0.005"}')).toBe(2);
    expect(sample(text, 'vkwire_fetcher_publish_latency_seconds_bucket{le="10"}')).toBe(2);
    expect(sample(text, 'vkwire_fetcher_publish_latency_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(sample(text, 'vkwire_fetcher_publish_latency_seconds_count')).toBe(3);
  });

  test('leader status per community, and the lag since its last Long Poll answer read at scrape time', async () => {
    let clock = 1_000_000;
    const metrics = createFetcherMetrics({ defaultMetrics: false, now: () => clock });
    metrics.setLeader(1, true);
    metrics.setLeader(2, false);
    clock += 1500;
    let text = await metrics.metrics();
    expect(sample(text, 'vkwire_fetcher_leader{group_id="1"}')).toBe(1);
    expect(sample(text, 'vkwire_fetcher_leader{group_id="2"}')).toBe(0);
    // a leader that has had no answer yet ages from the moment it took the lead; a standby has no lag
    expect(sample(text, 'vkwire_fetcher_longpoll_lag_seconds{group_id="1"}')).toBe(1.5);
    expect(sample(text, 'vkwire_fetcher_longpoll_lag_seconds{group_id="2"}')).toBeUndefined();

    metrics.pollAnswered(1);
    clock += 250;
    text = await metrics.metrics();
    expect(sample(text, 'vkwire_fetcher_longpoll_lag_seconds{group_id="1"}')).toBe(0.25);

    metrics.setLeader(1, false);
    text = await metrics.metrics();
    expect(sample(text, 'vkwire_fetcher_leader{group_id="1"}')).toBe(0);
    expect(sample(text, 'vkwire_fetcher_longpoll_lag_seconds{group_id="1"}')).toBeUndefined();

    metrics.forgetCommunity(2);
    text = await metrics.metrics();
    expect(sample(text, 'vkwire_fetcher_leader{group_id="2"}')).toBeUndefined();
  });

  test('each set has its own registry: two can exist, and the global registry stays empty', async () => {
    const first = createFetcherMetrics({ defaultMetrics: false });
    const second = createFetcherMetrics({ defaultMetrics: false });
    first.gap();
    expect(sample(await first.metrics(), 'vkwire_fetcher_gaps_total')).toBe(1);
    expect(sample(await second.metrics(), 'vkwire_fetcher_gaps_total')).toBe(0);
    expect(await globalRegistry.metrics()).not.toContain('vkwire_fetcher_');
    expect(first.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  test('process and Node.js metrics are included unless turned off', async () => {
    const withDefaults = await createFetcherMetrics().metrics();
    expect(withDefaults).toContain('process_cpu_user_seconds_total');
    expect(withDefaults).toContain('nodejs_eventloop_lag_seconds');
    expect(await createFetcherMetrics({ defaultMetrics: false }).metrics()).not.toContain('process_cpu');
  });
});
