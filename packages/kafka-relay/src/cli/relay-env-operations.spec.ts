import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '@outboxkit/core';
import { resolveRelaySettings } from '../relay-settings.js';
import { relayOptionsFromEnv } from './relay-env.js';

const base = { DATABASE_URL: 'postgres://x', KAFKA_BROKERS: 'a:9092', OUTBOX_LOG_LEVEL: 'silent' };

describe('relay env (production settings)', () => {
  it('reads leases, dead-key policy, retention, backoff and the ops endpoint', () => {
    const options = relayOptionsFromEnv({
      ...base,
      OUTBOX_PARTITIONS: '8',
      OUTBOX_LEASE_MS: '4000',
      OUTBOX_HEARTBEAT_MS: '1000',
      OUTBOX_DEAD_KEY_POLICY: 'pass',
      OUTBOX_RETENTION_MS: 'forever',
      OUTBOX_MAX_RECORD_BYTES: '5000',
      OUTBOX_BACKOFF_MAX_MS: '800',
      OUTBOX_HTTP_PORT: '0',
      OUTBOX_INSTANCE_ID: 'relay-1',
      OUTBOX_CHANNEL: 'my_channel',
    });
    const settings = resolveRelaySettings(options);
    expect(settings).toMatchObject({
      partitions: 8,
      leaseMs: 4000,
      heartbeatMs: 1000,
      deadKeyPolicy: 'pass',
      retentionMs: null,
      maxRecordBytes: 5000,
      instanceId: 'relay-1',
      channel: 'my_channel',
      http: { port: 0, host: '127.0.0.1' },
    });
    expect(settings.tables.lease).toBe('"public"."outbox_relay_lease"');
    expect(settings.backoff(20)).toBeLessThanOrEqual(800);
  });

  it('defaults: 32 partitions, 10 s leases renewed every 2.5 s, hold, 7 days, no ops endpoint', () => {
    const settings = resolveRelaySettings(relayOptionsFromEnv(base));
    expect(settings).toMatchObject({ partitions: 32, leaseMs: 10_000, heartbeatMs: 2_500, deadKeyPolicy: 'hold', retentionMs: 604_800_000, http: undefined });
    expect(settings.instanceId).toMatch(/:\d+:[0-9a-f]{6}$/);
  });

  it('refuses settings that would break the lease protocol or inject SQL', () => {
    expect(() => resolveRelaySettings({ leaseMs: 1000, heartbeatMs: 900 })).toThrow(InvalidConfigError);
    expect(() => resolveRelaySettings({ deadKeyPolicy: 'skip' as never })).toThrow(/deadKeyPolicy/);
    expect(() => resolveRelaySettings({ channel: 'x"; DROP' })).toThrow(/channel/);
    expect(() => relayOptionsFromEnv({ ...base, OUTBOX_LEASE_MS: 'soon' })).toThrow(/OUTBOX_LEASE_MS/);
  });

  it('pipelines: OUTBOX_PIPELINES, default 2, a pool connection per lane; bad values get a typed error', () => {
    expect(resolveRelaySettings(relayOptionsFromEnv(base))).toMatchObject({ pipelines: 2, poolSize: 7 });
    expect(resolveRelaySettings(relayOptionsFromEnv({ ...base, OUTBOX_PIPELINES: '3' }))).toMatchObject({ pipelines: 3, poolSize: 8 });
    expect(() => relayOptionsFromEnv({ ...base, OUTBOX_PIPELINES: 'two' })).toThrow(InvalidConfigError);
    for (const pipelines of [0, -1, 1.5, Number.NaN]) {
      expect(() => resolveRelaySettings({ pipelines })).toThrow(InvalidConfigError);
      expect(() => resolveRelaySettings({ pipelines })).toThrow(/pipelines/);
    }
    // Each pipeline needs partitions of its own.
    expect(() => resolveRelaySettings({ pipelines: 9, partitions: 8 })).toThrow(/pipelines.*at most partitions \(8\)/);
    expect(resolveRelaySettings({ pipelines: 8, partitions: 8 }).pipelines).toBe(8);
  });
});
