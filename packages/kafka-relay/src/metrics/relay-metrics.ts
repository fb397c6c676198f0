import { relayStats, type RelayStatsRow, type SqlExecutor, type TypedEvents } from '@outboxkit/core/internal';
import type { RelayEvents } from '../relay-events.js';
import { MetricsRegistry, type Gauge } from './prometheus-text.js';

const BATCH_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The relay's Prometheus metrics. Counters follow the relay's events; the outbox gauges
 * (pending, oldest pending age, high-water-mark lag, dead, key-lock stalls, xmin horizon) are
 * read from the database in one statement when /metrics is scraped. Every instance reports the
 * same outbox gauges: aggregate them with max(), the counters with sum().
 */
export class RelayMetrics {
  readonly registry = new MetricsRegistry();
  private readonly published = this.registry.counter('outbox_relay_published_total', 'Messages published to Kafka and acknowledged.');
  private readonly failed = this.registry.counter(
    'outbox_relay_failed_batches_total',
    'Batches that failed (broker or database unavailable, lease lost) and were rolled back for a retry.',
  );
  private readonly deadTotal = this.registry.counter('outbox_relay_dead_total', 'Messages parked as DEAD by this instance.');
  private readonly batches = this.registry.counter('outbox_relay_batches_total', 'Non-empty batches processed.');
  private readonly batchSeconds = this.registry.histogram(
    'outbox_relay_batch_duration_seconds',
    'Latency of a batch: claim, publish and acknowledge, one transaction.',
    BATCH_SECONDS_BUCKETS,
  );
  private readonly nudges = this.registry.counter('outbox_relay_nudges_total', 'Nudges received (LISTEN) that woke the relay.');
  private readonly producerRecreated = this.registry.counter('outbox_relay_producer_recreated_total', 'Times the Kafka producer was replaced.');
  private readonly cleaned = this.registry.counter('outbox_relay_retention_deleted_total', 'Published rows deleted by the retention cleanup.');
  private readonly leasesHeld = this.registry.gauge('outbox_relay_leased_partitions', 'Virtual partitions this instance leases.');
  private readonly leasesLost = this.registry.counter('outbox_relay_leases_lost_total', 'Leases this instance lost to another instance.');
  private readonly liveInstances = this.registry.gauge('outbox_relay_live_instances', 'Relay instances alive at the last heartbeat.');
  private readonly pending = this.registry.gauge('outbox_pending_messages', 'READY messages waiting to be published.');
  private readonly dead = this.registry.gauge('outbox_dead_messages', 'DEAD messages waiting for an operator.');
  private readonly oldestPending = this.registry.gauge('outbox_oldest_pending_age_seconds', 'Age of the oldest READY message.');
  private readonly hwmLag = this.registry.gauge(
    'outbox_high_water_mark_lag_seconds',
    'How far the published prefix of the outbox trails: age of the READY message with the lowest seq.',
  );
  private readonly keyLockHolder = this.registry.gauge(
    'outbox_key_lock_oldest_holder_seconds',
    'Age of the oldest transaction holding a per-key commit-order lock (a long one stalls later writers of its key).',
  );
  private readonly keyLockWaiters = this.registry.gauge('outbox_key_lock_waiters', 'Writers waiting for a per-key commit-order lock.');
  private readonly xminHorizon = this.registry.gauge(
    'outbox_xmin_horizon_age_seconds',
    'Age of the oldest transaction holding back vacuum in this database (outbox bloat while it lasts).',
  );
  private readonly scrapeErrors = this.registry.counter('outbox_relay_metrics_scrape_errors_total', 'Scrapes whose database read failed.');

  constructor(
    events: TypedEvents<RelayEvents>,
    private readonly executor: SqlExecutor,
    private readonly outboxTable: string,
  ) {
    events.on('relay:batch:published', (e) => {
      this.batches.inc();
      this.published.inc(e.published);
      this.deadTotal.inc(e.dead);
      this.batchSeconds.observe(e.durationMs / 1000);
    });
    events.on('relay:error', () => this.failed.inc());
    events.on('relay:nudged', () => this.nudges.inc());
    events.on('relay:producer:recreated', () => this.producerRecreated.inc());
    events.on('relay:retention:deleted', (e) => this.cleaned.inc(e.deleted));
    events.on('relay:leases:changed', (e) => {
      this.leasesHeld.set(e.held);
      this.leasesLost.inc(e.lost.length);
      this.liveInstances.set(e.liveInstances);
    });
  }

  /** Reads the outbox gauges, then renders everything. A failed read keeps the last values. */
  async render(): Promise<string> {
    try {
      const [row] = await this.executor.query<RelayStatsRow>(relayStats(this.outboxTable));
      if (row) {
        set(this.pending, row.pending);
        set(this.dead, row.dead);
        set(this.oldestPending, row.oldest_pending_age_seconds);
        set(this.hwmLag, row.hwm_lag_seconds);
        set(this.keyLockHolder, row.key_lock_oldest_holder_seconds);
        set(this.keyLockWaiters, row.key_lock_waiters);
        set(this.xminHorizon, row.xmin_horizon_age_seconds);
      }
    } catch {
      this.scrapeErrors.inc();
    }
    return this.registry.render();
  }
}

function set(gauge: Gauge, value: number | string | null): void {
  gauge.set(value === null ? 0 : Number(value));
}
