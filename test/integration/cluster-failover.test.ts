// Leader failover on a real 3-node Kafka cluster (replication factor 3, min.insync.replicas 2;
// scripts/kafka/cluster.mjs), under the relay and under the inbox consumer: the node that leads
// a partition is SIGKILLed mid-stream and restarted later, while writes go on.
// docs/guarantees.md §4.2 (nothing lost), §4.4 (per-key order), §4.6 (effect once), §4.9 (recovers by itself).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type ITopicMetadata } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exponentialBackoff, silentLogger, type Logger } from '@outboxkit/core';
import { createInboxConsumer, Relay } from '@outboxkit/kafka-relay';
// @ts-expect-error plain ESM helper shared with the scripts
import { startKafkaCluster } from '../../scripts/kafka/cluster.mjs';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';
import { createTopic } from '@outboxkit/test-support/kafka';
import { uniqueName } from '@outboxkit/test-support/servers';
import { sleep, waitFor } from '@outboxkit/test-support/wait';
import {
  commitOrderProblems,
  createCounterTable,
  firstDeliveries,
  MESSAGE_ID,
  readAll,
  sql,
  statusCounts,
  writeCounted,
} from '../../packages/kafka-relay/test/integration/relay-support.js';

interface ClusterNode {
  id: number;
  broker: string;
  pid: number | undefined;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

interface Cluster {
  brokers: string;
  nodes: ClusterNode[];
  node(id: number): ClusterNode;
  stop(): Promise<void>;
}

const NODES = 3;
const CLUSTER_START_DEADLINE_MS = 150_000;
const OFFSETS_TOPIC = '__consumer_offsets';

let cluster: Cluster;
let brokers: string[];
let db: OutboxTestDatabase;

beforeAll(async () => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const started = Promise.race([
    startKafkaCluster({ nodes: NODES }) as Promise<Cluster>,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the ${NODES}-node Kafka cluster did not start within ${CLUSTER_START_DEADLINE_MS} ms (see the [kafka] lines above for the node logs)`)),
        CLUSTER_START_DEADLINE_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  [cluster, db] = await Promise.all([started, openOutboxTestDatabase('ok_cluster')]);
  brokers = cluster.brokers.split(',');
  await createCounterTable(db.database.url);
  await sql(db.database.url, 'CREATE TABLE cluster_effect (id bigserial PRIMARY KEY, message_id text NOT NULL, key text NOT NULL, n int NOT NULL)');
}, CLUSTER_START_DEADLINE_MS + 30_000);

afterAll(async () => {
  await closeOutboxTestDatabase(db ?? {});
  await cluster?.stop();
});

function admin() {
  // Retries across the bootstrap list: one of its brokers is down during the tests.
  return new Kafka({ clientId: uniqueName('cluster-admin'), brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1_000, retry: { retries: 5, initialRetryTime: 100 } }).admin();
}

async function metadata(topics: string[]): Promise<ITopicMetadata[]> {
  const client = admin();
  await client.connect();
  try {
    return (await client.fetchTopicMetadata({ topics })).topics;
  } finally {
    await client.disconnect();
  }
}

/** Polls the metadata until `ok` holds for every partition of `topics`; a failed poll (a node going down) is polled again. */
async function waitForPartitions(topics: string[], ok: (p: ITopicMetadata['partitions'][number]) => boolean, what: string, timeoutMs = 60_000) {
  let last = '';
  await waitFor(
    async () => {
      try {
        const meta = await metadata(topics);
        last = JSON.stringify(meta.map((t) => ({ t: t.name, p: t.partitions.map((p) => ({ id: p.partitionId, leader: p.leader, isr: p.isr })) })));
        return meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every(ok));
      } catch {
        return false;
      }
    },
    timeoutMs,
    `${what} (last metadata: ${last})`,
  );
}

const fullyInSync = (topics: string[]) =>
  waitForPartitions(topics, (p) => p.leader >= 0 && p.isr.length === NODES, `every partition of ${topics.join(', ')} led, with ${NODES} replicas in sync`);

/**
 * readAll, again after a retriable kafkajs error: the restarted node takes back the partitions
 * it prefers to lead (leader.imbalance.check.interval.seconds, 5 s on the cluster), and a
 * ListOffsets caught in that move fails with NOT_LEADER_OR_FOLLOWER.
 */
async function readAllRetrying(topic: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await readAll(topic, brokers);
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true || /^KafkaJS(Connection|RequestTimeout)/.test((error as Error).name);
      if (!retriable || Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

/** Log lines at warn and above, for the failure messages. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${fields ? JSON.stringify(fields, (_, v) => (v instanceof Error ? v.message : v)) : ''}`);
  };
  return { lines, debug: () => {}, info: push('info'), warn: push('warn'), error: push('error') };
}

describe(`a ${NODES}-node Kafka cluster losing a partition leader`, () => {
  it('the relay drains a steady stream while the leader of a partition is SIGKILLed and later restarted: nothing lost, per-key order kept, the same relay recovers, every row PUBLISHED', async () => {
    const url = db.database.url;
    const topic = uniqueName('ok.cluster.relay');
    await createTopic(topic, 3, { brokers, replicationFactor: NODES });
    const logger = recordingLogger();
    const relay = new Relay({
      databaseUrl: url,
      brokers,
      logger,
      batchSize: 50,
      partitions: 8,
      maxIdleMs: 250,
      // Recovery within a second of the new leader, not after the 30 s default ceiling.
      backoff: exponentialBackoff({ initialMs: 100, maxMs: 1_000 }),
    });
    const keys = Array.from({ length: 12 }, (_, i) => `cart-${i}`);
    const committed: string[] = [];
    let writing = true;
    let writes = 0;
    await relay.start();
    const writer = (async () => {
      while (writing) {
        writes += 1;
        committed.push(...(await writeCounted(db.outbox, topic, [keys[writes % keys.length]!, keys[(writes * 5) % keys.length]!], 'w')));
        // Paces the stream (about 100 messages a second); no test condition waits on it.
        await sleep(15);
      }
    })();
    const published = async () => (await statusCounts(url, topic)).PUBLISHED ?? 0;
    try {
      await waitFor(async () => (await published()) >= 100, 30_000, '100 publications before the failure');

      const [before] = await metadata([topic]);
      const victim = cluster.node(before!.partitions.find((p) => p.partitionId === 0)!.leader);
      const led = before!.partitions.filter((p) => p.leader === victim.id).map((p) => p.partitionId);
      await victim.kill();
      const publishedAtKill = await published();
      const committedAtKill = committed.length;

      // The controller fences the dead node and elects other leaders from the ISR; the
      // partitions then have 2 replicas in sync, which min.insync.replicas=2 accepts for acks=all.
      await waitForPartitions([topic], (p) => p.leader >= 0 && p.leader !== victim.id && !p.isr.includes(victim.id), `leaders other than node ${victim.id}`);
      await waitFor(async () => (await published()) >= publishedAtKill + 150, 45_000, `150 publications with node ${victim.id} down`);
      expect(victim.pid).toBeUndefined();
      const [during] = await metadata([topic]);
      for (const p of during!.partitions) expect(p.isr).toHaveLength(NODES - 1);
      expect(committed.length).toBeGreaterThan(committedAtKill);

      await victim.restart();
      await fullyInSync([topic]);
      const publishedAtRestart = await published();
      await waitFor(async () => (await published()) >= publishedAtRestart + 50, 30_000, '50 publications after the restart');
      writing = false;
      await writer;
      await waitFor(async () => (await statusCounts(url, topic)).READY === undefined, 60_000, `the backlog to drain; relay log:\n${logger.lines.join('\n')}`);

      // Every row ends PUBLISHED, by the one relay that ran throughout.
      expect(await statusCounts(url, topic)).toEqual({ PUBLISHED: committed.length });
      expect(relay.stats.published).toBeGreaterThanOrEqual(committed.length);
      expect(led.length).toBeGreaterThan(0);

      // At least once (§4.2): every committed message is on the topic, and nothing else is.
      const records = await readAllRetrying(topic);
      const ids = new Set(committed);
      expect(records.filter((r) => !ids.has(r.headers[MESSAGE_ID]!))).toEqual([]);
      const delivered = new Set(firstDeliveries(records).map((r) => r.headers[MESSAGE_ID]));
      expect(committed.filter((id) => !delivered.has(id))).toEqual([]);
      // Per-key order (§4.4, docs/relay-ordering.md §4): for every key the first deliveries are
      // n = 1, 2, …, in commit order; a batch re-sent after the failure may add duplicates after
      // their first copies, never a reorder of first deliveries.
      expect(commitOrderProblems(records)).toEqual([]);
      process.stderr.write(
        `[cluster-failover] relay: killed node ${victim.id} (leader of partitions ${led.join(', ')}); ${committed.length} messages, ` +
          `${records.length - committed.length} duplicates, ${relay.stats.failures} failed batches, ` +
          `${logger.lines.filter((l) => l.includes('without some of its records')).length} requests kafkajs left incomplete (sent again)\n`,
      );
    } finally {
      writing = false;
      await writer.catch(() => {});
      await relay.stop();
    }
  });

  it('the inbox consumer keeps its exactly-once effect and per-key order while the group coordinator, also a partition leader, is SIGKILLed and later restarted', async () => {
    const topic = uniqueName('ok.cluster.inbox');
    const groupId = uniqueName('cluster-inbox');
    // The previous test's restart must be complete: all replicas in sync, the coordinator's too.
    await fullyInSync([OFFSETS_TOPIC]);
    await createTopic(topic, 3, { brokers, replicationFactor: NODES });

    const crashes: unknown[] = [];
    const fatal: unknown[] = [];
    const consumer = createInboxConsumer({
      outbox: db.outbox,
      groupId,
      brokers,
      mode: 'message',
      concurrency: 4,
      fromBeginning: true,
      topics: [topic],
      handler: async (ctx) => {
        const value = ctx.value as { key: string; n: number };
        await ctx.tx.$executeRawUnsafe('INSERT INTO cluster_effect (message_id, key, n) VALUES ($1, $2, $3)', ctx.messageId, value.key, value.n);
      },
      retention: false,
      retry: { delayLevels: '1s', firstDelayLevel: 1 },
      consumer: { maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 500 },
      logger: silentLogger,
    });
    consumer.events.on('consumer:crashed', ({ error }) => crashes.push(error));
    consumer.events.on('consumer:fatal', ({ error }) => fatal.push(error));

    // A steady stream of keyed records, each with its own message id, sent one at a time. A send
    // that fails during the failover is sent again with the same id, so Kafka may hold a record
    // twice: the inbox must apply it once.
    const producer = new Kafka({ clientId: uniqueName('cluster-producer'), brokers, logLevel: logLevel.NOTHING }).producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const keys = Array.from({ length: 10 }, (_, i) => `account-${i}`);
    const produced: Array<{ id: string; key: string; n: number }> = [];
    let resends = 0;
    let producing = true;
    const counters = new Map<string, number>();
    const stream = (async () => {
      for (let i = 0; producing; i += 1) {
        const key = keys[i % keys.length]!;
        const n = (counters.get(key) ?? 0) + 1;
        counters.set(key, n);
        const id = randomUUID();
        for (;;) {
          try {
            await producer.send({ topic, acks: -1, messages: [{ key, value: JSON.stringify({ key, n }), headers: { [MESSAGE_ID]: id } }] });
            break;
          } catch {
            resends += 1;
            await sleep(100);
          }
        }
        produced.push({ id, key, n });
        await sleep(10);
      }
    })();
    const running = consumer.start();
    const effects = async () => Number((await sql<{ n: number }>(db.database.url, 'SELECT count(*)::int AS n FROM cluster_effect'))[0]!.n);
    try {
      await running;
      await waitFor(async () => (await effects()) >= 100, 45_000, '100 effects before the failure');

      // offsets.topic.num.partitions is 1: the leader of __consumer_offsets-0 is every group's coordinator.
      const [offsets] = await metadata([OFFSETS_TOPIC]);
      const victim = cluster.node(offsets!.partitions[0]!.leader);
      const [data] = await metadata([topic]);
      const led = data!.partitions.filter((p) => p.leader === victim.id).map((p) => p.partitionId);
      // A topic created with every node up has one preferred leader per node.
      expect(led.length).toBeGreaterThan(0);
      await victim.kill();
      const effectsAtKill = await effects();

      await waitForPartitions([topic, OFFSETS_TOPIC], (p) => p.leader >= 0 && p.leader !== victim.id, `leaders and a coordinator other than node ${victim.id}`);
      await waitFor(async () => (await effects()) >= effectsAtKill + 100, 60_000, `100 effects with node ${victim.id} down`);
      expect(victim.pid).toBeUndefined();

      await victim.restart();
      await fullyInSync([topic, OFFSETS_TOPIC]);
      const effectsAtRestart = await effects();
      await waitFor(async () => (await effects()) >= effectsAtRestart + 50, 30_000, '50 effects after the restart');
      producing = false;
      await stream;
      await waitFor(async () => (await effects()) >= produced.length, 60_000, `an effect for each of the ${produced.length} records`);

      // Exactly once (§4.6): one effect per message id, every id; the table has no unique constraint.
      const rows = await sql<{ message_id: string; key: string; n: number }>(db.database.url, 'SELECT message_id, key, n FROM cluster_effect ORDER BY id');
      expect(rows).toHaveLength(produced.length);
      expect(new Set(rows.map((r) => r.message_id)).size).toBe(produced.length);
      expect(rows.map((r) => r.message_id).sort()).toEqual(produced.map((p) => p.id).sort());
      // Per-key order of effects: each key's effects, in the order they were applied, are n = 1, 2, ….
      for (const key of keys) {
        const ns = rows.filter((r) => r.key === key).map((r) => r.n);
        expect(ns, `effects of ${key}`).toEqual(ns.map((_, i) => i + 1));
      }
      expect(fatal).toEqual([]);
      expect(await db.prisma.inboxMessage.count({ where: { consumerGroup: groupId } })).toBe(produced.length);
      process.stderr.write(
        `[cluster-failover] inbox: killed node ${victim.id} (coordinator, leader of partitions ${led.join(', ')}); ${produced.length} records, ` +
          `${resends} resends, ${consumer.stats.duplicates} duplicates skipped, ${crashes.length} kafkajs crashes\n`,
      );
    } finally {
      producing = false;
      await stream.catch(() => {});
      await producer.disconnect().catch(() => {});
      await consumer.stop();
    }
  });
});
