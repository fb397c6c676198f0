// 4. Inbox consumer throughput, batch and per-message modes (workers/inbox-consumer.ts). The
// records are produced once, before the runs, by plain kafkajs: ~1 KB JSON values with outboxkit's
// headers (a fresh message id each). Every run reads them from the start with a new consumer group,
// after emptying the inbox table. A batchSize of 'default' leaves it to the library;
// BENCH_INBOX_OPTIONS (JSON) passes extra consumer options, for experiments.
import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { createTopic, kafkaClient, uniqueTopic } from '../lib/kafka-admin.mjs';
import { runWorker } from '../lib/proc.mjs';
import { withClient } from '../lib/seed.mjs';

export async function produceInboxTopic(ctx) {
  const { inbox, drain } = ctx.config;
  const count = Math.max(inbox.batchMessages, inbox.perMessageMessages);
  const topic = uniqueTopic('inbox');
  await createTopic(ctx.brokers, topic, drain.topicPartitions);
  const producer = kafkaClient(ctx.brokers, 'bench-inbox-producer').producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const filler = 'x'.repeat(drain.payloadBytes - 31);
  const createdAt = new Date().toISOString();
  for (let i = 0; i < count; i += 500) {
    const messages = [];
    for (let n = i; n < Math.min(count, i + 500); n += 1) {
      messages.push({
        key: `key-${n % drain.keys}`,
        value: JSON.stringify({ seq: String(n).padStart(8, '0'), data: filler }),
        headers: { 'outboxkit-message-id': randomUUID(), 'outboxkit-message-type': 'BenchEvent', 'outboxkit-created-at': createdAt },
      });
    }
    await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 });
  }
  await producer.disconnect();
  return { topic, count };
}

export async function inboxOnce(ctx, { topic, mode, batchSize, run }) {
  const { inbox } = ctx.config;
  await withClient(ctx.databaseUrl, (c) => c.query('TRUNCATE inbox_message'));
  const expected = mode === 'batch' ? inbox.batchMessages : inbox.perMessageMessages;
  const result = await runWorker(
    `inbox-${mode}`,
    'workers/inbox-consumer.ts',
    {
      DATABASE_URL: ctx.databaseUrl,
      KAFKA_BROKERS: ctx.brokers,
      TOPIC: topic,
      GROUP: `bench-inbox-${mode}-${batchSize}-${run}-${Date.now().toString(36)}`,
      MODE: mode,
      BATCH_SIZE: String(batchSize),
      EXPECT: String(expected),
      ...(process.env.BENCH_INBOX_OPTIONS ? { INBOX_OPTIONS: process.env.BENCH_INBOX_OPTIONS } : {}),
    },
    inbox.timeoutMs,
  );
  return {
    msgsPerSec: result.msgsPerSec,
    counted: result.counted,
    transactions: result.transactions,
    elapsedMs: result.elapsedMs,
    batchSize: result.batchSize,
    concurrency: result.concurrency,
    partitionsConsumedConcurrently: result.partitionsConsumedConcurrently,
  };
}
