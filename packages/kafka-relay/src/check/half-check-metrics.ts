import type { CheckResult, HalfCheckService } from '@outboxkit/core/internal';
import type { MetricsRegistry } from '../metrics/prometheus-text.js';

const RESULTS: Array<[CheckResult, string]> = [
  ['COMMIT', 'commit'],
  ['ROLLBACK', 'rollback'],
  ['UNKNOWN', 'unknown'],
  ['ERROR', 'error'],
  ['UNREACHABLE', 'unreachable'],
];

/**
 * Adds the back-check's counters and HALF-row gauges to the relay's Prometheus registry (which has
 * no labels, hence one counter per result). Counters follow the service's events; the gauges
 * follow its HALF-rows-by-age measurements (every `ageSnapshotIntervalMs`).
 */
export function registerHalfCheckMetrics(registry: MetricsRegistry, service: HalfCheckService): void {
  const checks = new Map(
    RESULTS.map(([result, name]) => [
      result,
      registry.counter(`outbox_half_checks_${name}_total`, `Back-checks of half messages that ended ${result}.`),
    ]),
  );
  const parked = registry.counter('outbox_half_parked_total', 'Half messages parked by this instance after maxChecks.');
  const conflicts = registry.counter('outbox_half_conflicts_total', 'Back-check decisions rejected because a different decision came first.');
  const halfRows = registry.gauge('outbox_half_messages', 'Undecided (HALF) messages, parked ones included.');
  const parkedRows = registry.gauge('outbox_half_parked_messages', 'Parked half messages waiting for an operator.');
  const oldest = registry.gauge('outbox_half_oldest_age_seconds', 'Age of the oldest undecided half message.');
  const within = service.settings.ageBucketsMs.map((leMs) =>
    registry.gauge(`outbox_half_messages_younger_than_${Math.round(leMs / 1000)}s`, `HALF messages at most ${leMs / 1000} s old.`),
  );
  service.events.on('half:checked', (e) => checks.get(e.result)?.inc());
  service.events.on('half:parked', () => parked.inc());
  service.events.on('half:conflict', () => conflicts.inc());
  service.events.on('half:ages', (ages) => {
    halfRows.set(ages.total);
    parkedRows.set(ages.parked);
    oldest.set(ages.oldestAgeMs / 1000);
    ages.buckets.forEach((bucket, i) => within[i]?.set(bucket.count));
  });
}
