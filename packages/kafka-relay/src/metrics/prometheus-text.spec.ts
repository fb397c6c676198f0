import { describe, expect, it } from 'vitest';
import { formatValue, MetricsRegistry } from './prometheus-text.js';

describe('Prometheus text format', () => {
  it('renders counters, gauges and cumulative histograms', () => {
    const registry = new MetricsRegistry();
    const published = registry.counter('outbox_relay_published_total', 'Messages published.');
    const pending = registry.gauge('outbox_pending_messages', 'Waiting\nmessages \\ rows.');
    const latency = registry.histogram('outbox_relay_batch_duration_seconds', 'Batch latency.', [0.01, 0.1, 1]);
    published.inc(3);
    published.inc();
    pending.set(12);
    latency.observe(0.005);
    latency.observe(0.05);
    latency.observe(5);
    expect(registry.render()).toBe(
      '# HELP outbox_relay_published_total Messages published.\n' +
        '# TYPE outbox_relay_published_total counter\n' +
        'outbox_relay_published_total 4\n' +
        '# HELP outbox_pending_messages Waiting\\nmessages \\\\ rows.\n' +
        '# TYPE outbox_pending_messages gauge\n' +
        'outbox_pending_messages 12\n' +
        '# HELP outbox_relay_batch_duration_seconds Batch latency.\n' +
        '# TYPE outbox_relay_batch_duration_seconds histogram\n' +
        'outbox_relay_batch_duration_seconds_bucket{le="0.01"} 1\n' +
        'outbox_relay_batch_duration_seconds_bucket{le="0.1"} 2\n' +
        'outbox_relay_batch_duration_seconds_bucket{le="1"} 2\n' +
        'outbox_relay_batch_duration_seconds_bucket{le="+Inf"} 3\n' +
        'outbox_relay_batch_duration_seconds_sum 5.055\n' +
        'outbox_relay_batch_duration_seconds_count 3\n',
    );
  });

  it('formats special values and refuses bad names, duplicates and decreasing counters', () => {
    expect(formatValue(Infinity)).toBe('+Inf');
    expect(formatValue(NaN)).toBe('NaN');
    const registry = new MetricsRegistry();
    expect(() => registry.counter('bad-name', 'x').render()).toThrow();
    registry.gauge('ok', 'x');
    expect(() => registry.gauge('ok', 'x')).toThrow(/twice/);
    expect(() => registry.counter('c', 'x').inc(-1)).toThrow();
  });
});
