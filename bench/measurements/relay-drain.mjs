// 1. Relay drain: N committed ~1 KB messages over many keys (seeded with SQL), then the outboxkit
// Relay (library class, in its own process, batchSize from the config) is started; the clock runs
// from start() resolving until the last batch is acknowledged (Kafka acks=all, rows marked
// PUBLISHED in the same transaction). Checks that every row is PUBLISHED and every record on Kafka.
import path from 'node:path';
import { runWorker } from '../lib/proc.mjs';
import { createTopic, topicRecordCount, uniqueTopic } from '../lib/kafka-admin.mjs';
import { countRows } from '../lib/seed.mjs';

export async function relayDrainOnce(ctx, { topic, run }) {
  const { drain } = ctx.config;
  const nodeArgs = ctx.config.profile ? ['--cpu-prof', '--cpu-prof-dir', ctx.profileDir, '--cpu-prof-name', `relay-drain-run${run}.cpuprofile`] : [];
  const result = await runWorker(
    'relay-drain',
    'workers/relay-worker.mjs',
    { MODE: 'drain', DATABASE_URL: ctx.databaseUrl, KAFKA_BROKERS: ctx.brokers, BATCH_SIZE: String(drain.batchSize), EXPECT: String(drain.messages) },
    drain.timeoutMs,
    { nodeArgs },
  );
  const published = await countRows(ctx.databaseUrl, `SELECT count(*) FROM outbox_message WHERE status = 'PUBLISHED'`);
  const onKafka = await topicRecordCount(ctx.brokers, topic);
  if (published !== drain.messages || onKafka !== drain.messages) {
    throw new Error(`relay drain incomplete: ${published} rows PUBLISHED, ${onKafka} records on ${topic}, expected ${drain.messages}`);
  }
  return {
    msgsPerSec: drain.messages / (result.drainMs / 1000),
    drainMs: result.drainMs,
    startMs: result.startMs,
    batches: result.batches,
    meanBatchClaimed: result.batchClaimed.mean,
    batchDurationMs: { p50: result.batchDurationMs.p50, p99: result.batchDurationMs.p99 },
    profile: ctx.config.profile ? path.join(ctx.profileDir, `relay-drain-run${run}.cpuprofile`) : undefined,
  };
}

export { createTopic, uniqueTopic };
