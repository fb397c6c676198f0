// 1b. The ceiling: the same records, sent by plain kafkajs in the same request shapes (see
// workers/raw-kafkajs-worker.mjs). Needs the outbox seeded (it reads the rows before timing).
import { runWorker } from '../lib/proc.mjs';
import { topicRecordCount } from '../lib/kafka-admin.mjs';

export async function rawKafkajsOnce(ctx, { topic }) {
  const { drain } = ctx.config;
  const result = await runWorker(
    'raw-kafkajs',
    'workers/raw-kafkajs-worker.mjs',
    { DATABASE_URL: ctx.databaseUrl, KAFKA_BROKERS: ctx.brokers, TOPIC: topic, BATCH_SIZE: String(drain.batchSize) },
    drain.timeoutMs,
  );
  const onKafka = await topicRecordCount(ctx.brokers, topic);
  if (onKafka !== drain.messages) throw new Error(`raw kafkajs: ${onKafka} records on ${topic}, expected ${drain.messages}`);
  return { msgsPerSec: drain.messages / (result.drainMs / 1000), drainMs: result.drainMs, requests: result.requests };
}
