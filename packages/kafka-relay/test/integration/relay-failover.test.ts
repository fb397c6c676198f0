import { describe, expect, it } from 'vitest';
import { nudgeRelayAfterCommit } from '@outboxkit/core';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { uniqueName } from '@outboxkit/test-support/servers';
import { createTopic } from '@outboxkit/test-support/kafka';
import {
  commitOrderProblems,
  COUNTER_TABLE_SQL,
  firstDeliveries,
  MESSAGE_ID,
  readAll,
  relayEnv,
  sql,
  startRelay,
  statusCounts,
  stopRelay,
  waitFor,
  writeCounted,
  type StartedRelay,
} from './relay-support.js';

const { database, outbox } = useRelayFixture({ prefix: 'ok_relay_failover', schema: [COUNTER_TABLE_SQL] });

const LEASE_MS = 3000;
const HEARTBEAT_MS = 750;

async function owners(): Promise<Map<string, number[]>> {
  const rows = await sql<{ partition: number; owner: string | null }>(
    database.url,
    'SELECT partition, owner FROM outbox_relay_lease WHERE owner IS NOT NULL AND expires_at > clock_timestamp()',
  );
  const map = new Map<string, number[]>();
  for (const r of rows) map.set(r.owner!, [...(map.get(r.owner!) ?? []), r.partition]);
  return map;
}

describe('relay failover', () => {
  it('one of three relays SIGKILLed mid-stream: the others take over its partitions within the lease; nothing lost, order kept', async () => {
    const topic = uniqueName('ok.failover');
    await createTopic(topic, 3);
    const env = relayEnv(database.url, { OUTBOX_BATCH_SIZE: '10', OUTBOX_LEASE_MS: String(LEASE_MS), OUTBOX_HEARTBEAT_MS: String(HEARTBEAT_MS) });
    const relays: StartedRelay[] = [];
    const stopNudging = nudgeRelayAfterCommit(outbox.events, outbox.executor);
    try {
      for (let i = 0; i < 3; i += 1) relays.push(await startRelay(env));
      await waitFor(async () => (await owners()).size === 3, 10_000, 'three instances sharing the partitions');

      const keys = Array.from({ length: 16 }, (_, i) => `acct-${i}`);
      const committed: string[] = [];
      let writing = true;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        while (writing) {
          const picked = Array.from({ length: 3 }, () => keys[Math.floor(Math.random() * keys.length)]!);
          committed.push(...(await writeCounted(outbox, topic, picked, `w${w}`)));
        }
      });

      await waitFor(async () => ((await statusCounts(database.url, topic)).PUBLISHED ?? 0) >= 200, 30_000, 'first publications');
      const victim = relays[0]!;
      const victimPartitions = (await owners()).get(victim.instanceId) ?? [];
      expect(victimPartitions.length).toBeGreaterThan(0);
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      expect((await victim.exited).signal).toBe('SIGKILL');

      // Its partitions move to the survivors within one lease period (plus a heartbeat).
      await waitFor(
        async () => {
          const now = await owners();
          const held = [...now.values()].flat();
          return !now.has(victim.instanceId) && held.length === 16;
        },
        LEASE_MS + HEARTBEAT_MS + 5_000,
        'the survivors to take over',
      );
      const takeoverMs = Date.now() - killedAt;
      // A lease runs out, then the survivors' next heartbeat takes it; the slack is for a loaded machine.
      expect(takeoverMs).toBeLessThanOrEqual(LEASE_MS + HEARTBEAT_MS + 2_500);
      const after = await owners();
      expect([...after.keys()].sort()).toEqual([relays[1]!.instanceId, relays[2]!.instanceId].sort());

      await new Promise((r) => setTimeout(r, 1_000));
      writing = false;
      await Promise.all(writers);
      await waitFor(async () => (await statusCounts(database.url, topic)).READY === undefined, 60_000, 'drain');

      const records = await readAll(topic);
      const delivered = new Set(firstDeliveries(records).map((r) => r.headers[MESSAGE_ID]));
      expect(committed.filter((id) => !delivered.has(id))).toEqual([]);
      expect(delivered.size).toBe(committed.length);
      expect(commitOrderProblems(records)).toEqual([]);
    } finally {
      stopNudging();
      await Promise.all(relays.map((r) => stopRelay(r)));
    }
  });
});
