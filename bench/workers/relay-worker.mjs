// The outboxkit relay as a sidecar process: the library class from @outboxkit/kafka-relay with
// the benchmark's batch size and every other setting at its default.
//
//   MODE=drain  EXPECT=n   start, wait until n messages are acknowledged, report the timing, stop
//   MODE=serve  ACK_FILE   start, report `ready`, run until SIGTERM; then write the broker-ack time
//                          of every message id to ACK_FILE (see recordAcks) and stop
import { writeFile } from 'node:fs/promises';
import { createConsoleLogger } from '@outboxkit/core';
import { Relay } from '@outboxkit/kafka-relay';
import { nowMs } from '../lib/clock.mjs';
import { summarize } from '../lib/stats.mjs';
import { startTrace } from '../lib/trace.mjs';
import { emit, env, runMain, stopRequested } from '../lib/worker-io.mjs';

/**
 * Broker-ack time per message id, from the Relay's `relay:batch:acked` event: one per produce
 * request, with the ids it carried and `brokerAckAt`, when its send (acks=all) resolved, in
 * process.hrtime milliseconds — the clock of lib/clock.mjs, so it can be subtracted from the
 * writer's commit times. A message published twice (a batch rolled back after its send) keeps its
 * first ack, as the consumer sees its first copy first.
 */
function recordAcks(relay) {
  const acks = new Map();
  relay.events.on('relay:batch:acked', ({ ids, brokerAckAt }) => {
    for (const id of ids) if (!acks.has(id)) acks.set(id, brokerAckAt);
  });
  return acks;
}

async function main() {
  const mode = env('MODE');
  const trace = process.env.BENCH_TRACE === '1' ? startTrace() : undefined;
  const relay = new Relay({
    databaseUrl: env('DATABASE_URL'),
    brokers: env('KAFKA_BROKERS').split(','),
    batchSize: Number(env('BATCH_SIZE')),
    logger: createConsoleLogger('warn', { component: 'bench-relay' }),
    // BENCH_RELAY_OPTIONS: extra Relay options as JSON, for experiments (e.g. {"retention":"delete"}).
    ...JSON.parse(process.env.BENCH_RELAY_OPTIONS || '{}'),
  });
  const acks = mode === 'serve' ? recordAcks(relay) : undefined;
  let published = 0;
  const batchSizes = [];
  const batchMs = [];
  let done;
  const expected = Number(env('EXPECT', '0'));
  const finished = new Promise((resolve) => (done = resolve));
  relay.events.on('relay:batch:published', (batch) => {
    published += batch.published;
    batchSizes.push(batch.claimed);
    batchMs.push(batch.durationMs);
    if (expected > 0 && published >= expected) done(nowMs());
  });
  relay.events.on('relay:error', ({ error }) => process.stderr.write(`relay error: ${error?.stack ?? error}\n`));

  if (mode === 'drain') {
    const t0 = nowMs();
    await relay.start();
    const started = nowMs();
    emit('started', { startMs: started - t0 });
    const t1 = await finished;
    emit('result', {
      published,
      startMs: started - t0,
      drainMs: t1 - started,
      totalMs: t1 - t0,
      batches: batchSizes.length,
      batchClaimed: summarize(batchSizes),
      batchDurationMs: summarize(batchMs),
      ...(trace ? { trace: trace.report() } : {}),
    });
    await relay.stop();
    process.exit(0); // (writes the --cpu-prof profile when BENCH_PROFILE=1)
  }

  await relay.start();
  emit('ready');
  await stopRequested();
  await relay.stop();
  await writeFile(env('ACK_FILE'), JSON.stringify(Object.fromEntries(acks)));
  emit('result', {
    published,
    acked: acks.size,
    batches: batchSizes.length,
    batchClaimed: summarize(batchSizes),
    batchDurationMs: summarize(batchMs),
    ...(trace ? { trace: trace.report() } : {}),
  });
  process.exit(0);
}

runMain(main);
