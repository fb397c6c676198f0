import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { nudgeRelayAfterCommit, silentLogger } from '@outboxkit/core';
import { createPrismaOutbox, type PrismaOutbox } from '@outboxkit/prisma-adapter';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { startKafka } from '../../../../scripts/kafka.mjs';
import { freshDatabase, uniqueName } from '../../../../test/support/servers.js';
import { createPrismaClient, type PrismaClient } from '../../../../test/support/prisma.js';
import {
  commitOrderProblems,
  createCounterTable,
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

let database: Awaited<ReturnType<typeof freshDatabase>>;
let prisma: PrismaClient;
let outbox: PrismaOutbox<PrismaClient>;
// A broker of this test's own, so stopping it disturbs no other test.
let broker: BrokerHandle;

beforeAll(async () => {
  [database, broker] = await Promise.all([freshDatabase('ok_relay_outage'), startKafka() as Promise<BrokerHandle>]);
  await createCounterTable(database.url);
  prisma = createPrismaClient(database.url);
  outbox = createPrismaOutbox(prisma, { logger: silentLogger, registerAsDefault: false });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
  await broker?.stop();
});

describe('relay through a Kafka outage', () => {
  it('Kafka stopped for 10 seconds mid-stream and started again: nothing lost, order kept, the relay never restarted', async () => {
    const brokers = [broker.brokers];
    const topic = uniqueName('ok.outage');
    const admin = new Kafka({ clientId: uniqueName('admin'), brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const stopNudging = nudgeRelayAfterCommit(outbox.events, outbox.executor);
    let relay: StartedRelay | undefined;
    try {
      relay = await startRelay(relayEnv(database.url, { KAFKA_BROKERS: broker.brokers, OUTBOX_BATCH_SIZE: '50' }));
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
      await sleep(10_000);
      // Nothing could be published while the broker was down; writers went on committing.
      const during = await statusCounts(database.url, topic);
      expect(during.READY ?? 0).toBeGreaterThan(0);
      expect(during.PUBLISHED ?? 0).toBeLessThanOrEqual(publishedAtOutage + 50);
      await broker.restart();

      await sleep(1_000);
      writing = false;
      await writer;
      await waitFor(async () => (await statusCounts(database.url, topic)).READY === undefined, 60_000, 'the backlog to drain after the outage');

      // Same process all along: it backed off and recovered by itself.
      expect(relay.child.exitCode).toBeNull();
      expect(relay.child.pid).toBe(pid);
      expect(relay.logs().some((l) => l.msg === 'relay step failed; backing off')).toBe(true);

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
