// Inbox consumer throughput: the issue-5 consumer helper (createInboxConsumer from
// @outboxkit/kafka-relay) reading a topic of ~1 KB outboxkit records from the start, with a
// handler that does nothing, so the figure is the inbox's own cost (dedupe receipt + transaction +
// offset commit) per record. Times from the first committed transaction to the one that reaches
// EXPECT processed records, and counts only the records committed after the first.
//
//   DATABASE_URL KAFKA_BROKERS TOPIC GROUP MODE=batch|message BATCH_SIZE EXPECT [INBOX_OPTIONS]
//
// BATCH_SIZE=default leaves batchSize at the library's default; INBOX_OPTIONS (JSON) adds consumer
// options for experiments (BENCH_INBOX_OPTIONS, e.g. {"concurrency":16}). The result reports the
// batchSize and concurrency the consumer resolved.
import { createConsoleLogger } from '@outboxkit/core';
import { createInboxConsumer } from '@outboxkit/kafka-relay';
import { nowMs } from '../lib/clock.mjs';
import { startTrace } from '../lib/trace.mjs';
import { emit, env, runMain } from '../lib/worker-io.mjs';
import { createApp } from './prisma.js';

async function main(): Promise<void> {
  const expected = Number(env('EXPECT'));
  const mode = env('MODE') as 'batch' | 'message';
  const trace = process.env.BENCH_TRACE === '1' ? startTrace() : undefined;
  const app = createApp(env('DATABASE_URL'));
  await app.prisma.$queryRaw`SELECT 1`;
  const batchSize = env('BATCH_SIZE');
  const consumer = createInboxConsumer({
    ...(process.env.INBOX_OPTIONS ? JSON.parse(process.env.INBOX_OPTIONS) : {}),
    outbox: app.outbox,
    groupId: env('GROUP'),
    brokers: env('KAFKA_BROKERS').split(','),
    mode,
    ...(batchSize === 'default' ? {} : { batchSize: Number(batchSize) }),
    fromBeginning: true,
    topics: [env('TOPIC')],
    handler: async () => {},
    retention: false,
    logger: createConsoleLogger('warn', { component: 'bench-inbox' }),
  });
  let processed = 0;
  let transactions = 0;
  let first: { at: number; processed: number } | undefined;
  let finish: (at: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));
  consumer.events.on('consumer:committed', ({ records }) => {
    const at = nowMs();
    transactions += 1;
    processed += records.filter((r) => r.result === 'processed').length;
    first ??= { at, processed };
    if (processed >= expected) finish(at);
  });
  consumer.events.on('consumer:error', ({ error }) => process.stderr.write(`consumer error: ${String(error)}\n`));
  const t0 = nowMs();
  await consumer.start();
  const startedMs = nowMs() - t0;
  const end = await done;
  const counted = processed - first!.processed;
  const elapsed = end - first!.at;
  await consumer.stop();
  await app.prisma.$disconnect();
  emit('result', {
    mode,
    batchSize: consumer.settings.batchSize,
    concurrency: consumer.settings.concurrency,
    partitionsConsumedConcurrently: consumer.settings.partitionsConsumedConcurrently,
    processed,
    counted,
    transactions,
    elapsedMs: elapsed,
    msgsPerSec: counted / (elapsed / 1000),
    startMs: startedMs,
    firstCommitAfterStartMs: first!.at - t0,
    stats: consumer.stats,
    ...(trace ? { trace: trace.report() } : {}),
  });
  process.exit(0);
}

runMain(main);
