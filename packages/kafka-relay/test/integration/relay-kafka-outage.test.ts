import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nudgeRelayAfterCommit } from '@outboxkit/core';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { startKafka } from '../../../../scripts/kafka.mjs';
import { uniqueName } from '@outboxkit/test-support/servers';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { createTopic } from '@outboxkit/test-support/kafka';
import {
  commitOrderProblems,
  COUNTER_TABLE_SQL,
  firstDeliveries,
  MESSAGE_ID,
  readAll,
  relayEnv,
  sleep,
  startRelay,
  statusCounts,
  stopRelay,
  waitFor,
  writeCounted,
  type StartedRelay,
} from './relay-support.js';

interface BrokerHandle {
  brokers: string;
  pid: number | undefined;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const { database, outbox } = useRelayFixture({ prefix: 'ok_relay_outage', schema: [COUNTER_TABLE_SQL] });
// A broker of this test's own, so stopping it disturbs no other test.
let broker: BrokerHandle;

beforeAll(async () => {
  broker = (await startKafka()) as BrokerHandle;
});

afterAll(async () => {
  await broker?.stop();
});

describe('relay through a Kafka outage', () => {
  it('Kafka stopped for 10 seconds mid-stream and started again: nothing lost, order kept, the relay never restarted; nudges do not cut the backoff short, the resume is logged once', async () => {
    const brokers = [broker.brokers];
    const topic = uniqueName('ok.outage');
    await createTopic(topic, 3, { brokers });

    const stopNudging = nudgeRelayAfterCommit(outbox.events, outbox.executor);
    let relay: StartedRelay | undefined;
    try {
      // A backoff long enough to tell apart from the writers' nudges (a commit every ~10 ms).
      relay = await startRelay(
        relayEnv(database.url, { KAFKA_BROKERS: broker.brokers, OUTBOX_BATCH_SIZE: '50', OUTBOX_BACKOFF_INITIAL_MS: '2000', OUTBOX_BACKOFF_MAX_MS: '4000' }),
      );
      const pid = relay.child.pid;
      const keys = Array.from({ length: 10 }, (_, i) => `cart-${i}`);
      const committed: string[] = [];
      let writing = true;
      const writer = (async () => {
        while (writing) {
          committed.push(...(await writeCounted(outbox, topic, [keys[committed.length % 10]!, keys[(committed.length * 3) % 10]!], 'w')));
          await sleep(10);
        }
      })();

      await waitFor(async () => ((await statusCounts(database.url, topic)).PUBLISHED ?? 0) >= 100, 30_000, 'publications before the outage');
      await broker.kill();
      const publishedAtOutage = (await statusCounts(database.url, topic)).PUBLISHED ?? 0;
      const committedAtOutage = committed.length;
      await sleep(10_000);
      // The writers went on committing, each commit nudging the relay.
      expect(committed.length - committedAtOutage).toBeGreaterThan(50);
      // Nothing could be published while the broker was down; writers went on committing.
      const during = await statusCounts(database.url, topic);
      expect(during.READY ?? 0).toBeGreaterThan(0);
      expect(during.PUBLISHED ?? 0).toBeLessThanOrEqual(publishedAtOutage + 50);
      // Still down: no resume yet, however many commits nudged the relay.
      expect(relay.logs().filter((l) => l.msg === 'publishing resumed')).toEqual([]);
      await broker.restart();

      await sleep(1_000);
      writing = false;
      await writer;
      await waitFor(async () => (await statusCounts(database.url, topic)).READY === undefined, 60_000, 'the backlog to drain after the outage');

      // Same process all along: it backed off and recovered by itself.
      expect(relay.child.exitCode).toBeNull();
      expect(relay.child.pid).toBe(pid);
      // The outage's lines: everything up to its first resume (a hiccup of the restarted broker
      // later would be an outage of its own, with its own failures and resume).
      const logs = relay.logs();
      const firstResume = logs.findIndex((l) => l.msg === 'publishing resumed');
      expect(firstResume).toBeGreaterThan(0);
      const failures = logs.slice(0, firstResume).filter((l) => l.msg === 'relay step failed; backing off');
      expect(failures.length).toBeGreaterThan(0);
      // Each failure names its lane and the wait before the next attempt, and the lane's next
      // attempt came no sooner than that: the nudges of the commits meanwhile did not cut it short.
      for (const lane of new Set(failures.map((f) => f.lane))) {
        const ofLane = failures.filter((f) => f.lane === lane);
        expect(ofLane.map((f) => f.consecutiveFailures)).toEqual(ofLane.map((_, i) => i + 1));
        for (let i = 1; i < ofLane.length; i += 1) {
          const gapMs = Date.parse(String(ofLane[i]!.time)) - Date.parse(String(ofLane[i - 1]!.time));
          expect(gapMs, `lane ${String(lane)}, failure ${i + 1}`).toBeGreaterThanOrEqual(Number(ofLane[i - 1]!.retryInMs) - 5);
        }
      }
      expect(failures.some((f) => f.consecutiveFailures === 2)).toBe(true);
      // The end of the outage is logged once, with its length and the attempts it took.
      const resumed = logs[firstResume]!;
      expect(resumed).toMatchObject({ level: 'info', failedAttempts: failures.length });
      expect(Number(resumed.downMs)).toBeGreaterThanOrEqual(9_000);

      const records = await readAll(topic, brokers);
      const delivered = new Set(firstDeliveries(records).map((r) => r.headers[MESSAGE_ID]));
      expect(committed.filter((id) => !delivered.has(id))).toEqual([]);
      expect(delivered.size).toBe(committed.length);
      expect(commitOrderProblems(records)).toEqual([]);
    } finally {
      stopNudging();
      if (relay) expect((await stopRelay(relay)).code).toBe(0);
    }
  });
});
