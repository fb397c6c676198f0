// Batch pipelines ("lanes", Relay option `pipelines` / OUTBOX_PIPELINES): several batches of one
// instance in flight at once over disjoint shares of its partitions, their sends taking turns on
// the one idempotent producer. What must still hold: nothing lost, per-key order = commit order,
// also with several instances; and the `relay:batch:acked` event names every published id.
import { describe, expect, it } from 'vitest';
import { nudgeRelayAfterCommit, silentLogger } from '@outboxkit/core';
import { Relay, type RelayEvents } from '@outboxkit/kafka-relay';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { createTopic } from '@outboxkit/test-support/kafka';
import {
  commitOrderProblems,
  COUNTER_TABLE_SQL,
  firstDeliveries,
  MESSAGE_ID,
  readAll,
  relayEnv,
  startRelay,
  statusCounts,
  stopRelay,
  waitFor,
  writeCounted,
  writeConcurrently,
  type StartedRelay,
} from './relay-support.js';

const { database, outbox } = useRelayFixture({ prefix: 'ok_relay_lanes', schema: [COUNTER_TABLE_SQL] });

const hrtimeMs = () => Number(process.hrtime.bigint()) / 1e6;

describe('relay pipelines', () => {
  it('4 pipelines drain a backlog over many keys: every message once, per-key order kept, every id in relay:batch:acked', async () => {
    const topic = uniqueName('ok.lanes');
    await createTopic(topic, 3);
    const keys = Array.from({ length: 40 }, (_, i) => `lane-key-${i}`);
    // The backlog: 30 transactions of 60 messages each over the 40 keys (keys repeat within a transaction).
    const committed: string[] = [];
    for (let t = 0; t < 30; t += 1) {
      const picked = Array.from({ length: 60 }, (_, i) => keys[(t * 7 + i * 13) % keys.length]!);
      committed.push(...(await writeCounted(outbox, topic, picked, `w${t}`)));
    }

    const relay = new Relay({ databaseUrl: database.url, brokers: kafkaBrokers(), logger: silentLogger, pipelines: 4, batchSize: 40, partitions: 16 });
    const acked: RelayEvents['relay:batch:acked'][] = [];
    let published = 0;
    relay.events.on('relay:batch:acked', (event) => acked.push(event));
    relay.events.on('relay:batch:published', (event) => (published += event.published));
    const startedAt = hrtimeMs();
    await relay.start();
    try {
      await waitFor(async () => (await statusCounts(database.url, topic)).READY === undefined, 60_000, 'backlog drained');
    } finally {
      await relay.stop();
    }
    const stoppedAt = hrtimeMs();
    expect(relay.settings.pipelines).toBe(4);
    expect(relay.stats.failures).toBe(0);
    expect(published).toBe(committed.length);

    const records = await readAll(topic);
    const delivered = firstDeliveries(records).map((r) => r.headers[MESSAGE_ID]!);
    expect(new Set(delivered)).toEqual(new Set(committed));
    expect(records).toHaveLength(committed.length); // no batch was rolled back: no duplicate either
    expect(commitOrderProblems(records)).toEqual([]);

    // The event: every published id exactly once, at a broker-ack time on the process.hrtime clock.
    const ackedIds = acked.flatMap((event) => event.ids);
    expect(ackedIds).toHaveLength(committed.length);
    expect(new Set(ackedIds)).toEqual(new Set(committed));
    for (const { brokerAckAt } of acked) {
      expect(brokerAckAt).toBeGreaterThan(startedAt);
      expect(brokerAckAt).toBeLessThan(stoppedAt);
    }
    // Per key, the ack events list its messages in commit order too.
    const n = new Map(records.map((r) => [r.headers[MESSAGE_ID]!, JSON.parse(r.value!) as { key: string; n: number }]));
    const lastN = new Map<string, number>();
    for (const id of ackedIds) {
      const { key, n: value } = n.get(id)!;
      expect(value).toBe((lastN.get(key) ?? 0) + 1);
      lastN.set(key, value);
    }
  });

  it('three relay processes with 3 pipelines each and concurrent writers: nothing lost, per-key Kafka order = commit order', async () => {
    const topic = uniqueName('ok.lanes.multi');
    await createTopic(topic, 3);
    const keys = Array.from({ length: 30 }, (_, i) => `multi-${i}`);
    const stopNudging = nudgeRelayAfterCommit(outbox.events, outbox.executor);
    const relays: StartedRelay[] = [];
    try {
      for (let i = 0; i < 3; i += 1) {
        relays.push(await startRelay(relayEnv(database.url, { OUTBOX_BATCH_SIZE: '15', OUTBOX_PIPELINES: '3' })));
      }
      const committed = await writeConcurrently(outbox, topic, keys, { writers: 6, transactions: 40, size: (t, w) => 1 + ((t * 5 + w) % 6) });
      await waitFor(async () => (await statusCounts(database.url, topic)).READY === undefined, 60_000, 'every message published');

      const records = await readAll(topic);
      const delivered = new Set(firstDeliveries(records).map((r) => r.headers[MESSAGE_ID]));
      expect(committed.filter((id) => !delivered.has(id))).toEqual([]);
      expect(delivered.size).toBe(committed.length);
      expect(commitOrderProblems(records)).toEqual([]);
    } finally {
      stopNudging();
      const exits = await Promise.all(relays.map((r) => stopRelay(r)));
      expect(exits.map((e) => e.code)).toEqual(relays.map(() => 0));
    }
    for (const relay of relays) {
      const started = relay.logs().find((l) => l.msg === 'relay started');
      expect(started?.pipelines).toBe(3);
      const stopped = relay.logs().find((l) => l.msg === 'relay stopped');
      expect(Number(stopped?.published)).toBeGreaterThan(0);
    }
  });
});
