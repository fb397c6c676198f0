// 2. Commit → Kafka latency at a steady offered load. Three processes, as in production: the
// application (workers/latency-writer.ts: Prisma transactions, one ~1 KB message each, RATE per
// second, after-commit nudge), the relay sidecar (workers/relay-worker.mjs MODE=serve, which logs
// the broker-ack time of every message id), and a plain kafkajs consumer here, which logs receipt
// times. All three use the system-wide monotonic clock, so per message id:
//   commit → broker ack  = ack time (sendBatch with acks=all resolved) − transaction resolved
//   commit → consumed    = consumer eachBatch time − transaction resolved
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { nowMs, sleep } from '../lib/clock.mjs';
import { createTopic, kafkaClient, uniqueTopic } from '../lib/kafka-admin.mjs';
import { startWorker, runWorker } from '../lib/proc.mjs';
import { summarize } from '../lib/stats.mjs';
import { withClient } from '../lib/seed.mjs';

async function startConsumer(brokers, topic) {
  const received = new Map();
  const consumer = kafkaClient(brokers, 'bench-latency-consumer').consumer({
    groupId: `bench-latency-${Date.now().toString(36)}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const at = nowMs();
      for (const message of batch.messages) {
        const id = message.headers?.['outboxkit-message-id'];
        if (id !== undefined) received.set(id.toString(), at);
      }
    },
  });
  await joined;
  return { received, stop: () => consumer.disconnect() };
}

export async function commitLatencyOnce(ctx, { run }) {
  const { latency, drain } = ctx.config;
  const topic = uniqueTopic('latency');
  await createTopic(ctx.brokers, topic, drain.topicPartitions);
  // The steady state of an outbox with `keep` retention, whatever ran before: 20,000 PUBLISHED rows
  // and statistics that say so. (ANALYZE of an emptied table keeps its old column statistics: after
  // the drain they would still say "all READY", and the relay's claim would be JIT-compiled on every
  // step — a real effect after a backlog, described in bench/README.md, but not the steady state.)
  await withClient(ctx.databaseUrl, async (c) => {
    await c.query('TRUNCATE outbox_message');
    await c.query(
      `INSERT INTO outbox_message (id, topic, key, payload, type, status, published_at)
       SELECT gen_random_uuid(), $1, 'key-' || (i % 1000), jsonb_build_object('seq', i, 'data', repeat('x', 960)), 'BenchEvent', 'PUBLISHED', now()
       FROM generate_series(1, 20000) AS i`,
      [`${topic}.history`],
    );
    await c.query('VACUUM ANALYZE outbox_message');
  });
  const ackFile = path.join(ctx.tmpDir, `acks-${run}.json`);
  const commitFile = path.join(ctx.tmpDir, `commits-${run}.json`);

  const consumer = await startConsumer(ctx.brokers, topic);
  const relay = startWorker('relay-serve', 'workers/relay-worker.mjs', {
    MODE: 'serve',
    DATABASE_URL: ctx.databaseUrl,
    KAFKA_BROKERS: ctx.brokers,
    BATCH_SIZE: String(drain.batchSize),
    ACK_FILE: ackFile,
  });
  try {
    await relay.next('ready', 60_000);
    await sleep(500); // let the first idle polls settle
    const writer = await runWorker(
      'latency-writer',
      'workers/latency-writer.ts',
      {
        DATABASE_URL: ctx.databaseUrl,
        TOPIC: topic,
        RATE: String(latency.rate),
        PER_TX: String(latency.perTx),
        DURATION_MS: String(latency.durationMs),
        WARMUP_MS: String(latency.warmupMs),
        COMMIT_FILE: commitFile,
      },
      latency.durationMs + latency.warmupMs + 120_000,
    );
    const commits = JSON.parse(await readFile(commitFile, 'utf8'));
    const ids = Object.keys(commits);
    const deadline = nowMs() + 60_000;
    while (ids.some((id) => !consumer.received.has(id)) && nowMs() < deadline) await sleep(100);
    const relayResult = await (async () => {
      await relay.stop(30_000);
      return relay.lines.find((l) => l.event === 'result');
    })();
    const acks = JSON.parse(await readFile(ackFile, 'utf8'));
    const toAck = [];
    const toConsumer = [];
    let missingAck = 0;
    let missingConsumed = 0;
    for (const id of ids) {
      if (acks[id] === undefined) missingAck += 1;
      else toAck.push(acks[id] - commits[id]);
      const received = consumer.received.get(id);
      if (received === undefined) missingConsumed += 1;
      else toConsumer.push(received - commits[id]);
    }
    if (missingConsumed > 0) throw new Error(`latency: ${missingConsumed} of ${ids.length} committed messages never reached the consumer`);
    return {
      offeredRate: writer.offeredRate,
      perTransaction: writer.perTransaction,
      achievedRate: writer.achievedRate,
      messages: ids.length,
      commitToAckMs: toAck.length ? summarize(toAck) : null,
      commitToConsumedMs: summarize(toConsumer),
      missingAck,
      writerTransactionMs: writer.transactionMs,
      writerMaxInFlight: writer.maxInFlight,
      relayBatches: relayResult?.batches,
      relayMeanBatch: relayResult?.batchClaimed?.mean,
      relayBatchMs: relayResult?.batchDurationMs ? { p50: relayResult.batchDurationMs.p50, p99: relayResult.batchDurationMs.p99 } : undefined,
      ...(relayResult?.trace ? { relayTrace: relayResult.trace } : {}),
    };
  } finally {
    await relay.stop(5_000);
    await consumer.stop().catch(() => {});
    await rm(ackFile, { force: true });
    await rm(commitFile, { force: true });
  }
}
