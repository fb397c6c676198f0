// Cost to the business transaction. A representative Prisma transaction — create an Order,
// decrement a StockItem (1,000 SKUs, so concurrent writers rarely share a row) — run by W
// concurrent writers back to back (closed loop) for DURATION_MS after WARMUP_MS, in four variants:
//
//   plain          prisma.$transaction(tx => create + update)          what the service had before
//   plain+trivial  the same plus one trivial Prisma statement (SELECT 1) the yardstick of the target
//   outbox-nosend  outbox.transaction(() => db.create + db.update)      outboxkit's wrapper, no message
//   outbox         the same plus send(one message)                      what the service has with outboxkit
//
// One run of every variant at every writer count, variant order rotated by RUN so that a drift of
// the machine does not always hit the same variant. Prints one `result` line.
//
//   DATABASE_URL RUN WRITERS=1,8 DURATION_MS WARMUP_MS SKUS
import { randomUUID } from 'node:crypto';
import { send } from '@outboxkit/core';
import { nowMs } from '../lib/clock.mjs';
import { summarize } from '../lib/stats.mjs';
import { emit, env, runMain } from '../lib/worker-io.mjs';
import { createApp, type App } from './prisma.js';

const VARIANTS = ['plain', 'plain+trivial', 'outbox-nosend', 'outbox'] as const;
type Variant = (typeof VARIANTS)[number];

function transactionOf(app: App, variant: Variant, skus: number): () => Promise<unknown> {
  const { prisma, outbox, db } = app;
  const input = () => ({
    data: { id: randomUUID(), customer: 'bench-customer', sku: `sku-${Math.floor(Math.random() * skus)}`, quantity: 1 },
  });
  switch (variant) {
    case 'plain':
      return () =>
        prisma.$transaction(async (tx) => {
          const order = await tx.order.create(input());
          await tx.stockItem.update({ where: { sku: order.sku }, data: { available: { decrement: order.quantity } } });
        });
    case 'plain+trivial':
      return () =>
        prisma.$transaction(async (tx) => {
          const order = await tx.order.create(input());
          await tx.stockItem.update({ where: { sku: order.sku }, data: { available: { decrement: order.quantity } } });
          await tx.$queryRaw`SELECT 1`;
        });
    case 'outbox-nosend':
      return () =>
        outbox.transaction(async () => {
          const order = await db.order.create(input());
          await db.stockItem.update({ where: { sku: order.sku }, data: { available: { decrement: order.quantity } } });
        });
    case 'outbox':
      return () =>
        outbox.transaction(async () => {
          const order = await db.order.create(input());
          await db.stockItem.update({ where: { sku: order.sku }, data: { available: { decrement: order.quantity } } });
          send({ topic: 'orders.created', key: order.id, type: 'OrderCreated', value: order });
        });
  }
}

async function closedLoop(work: () => Promise<unknown>, writers: number, warmupMs: number, durationMs: number) {
  const latencies: number[] = [];
  const start = nowMs();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  let completed = 0;
  let failures = 0;
  const writer = async () => {
    for (;;) {
      const begun = nowMs();
      if (begun >= end) return;
      try {
        await work();
      } catch (error) {
        failures += 1;
        if (failures <= 3) process.stderr.write(`transaction failed: ${String(error)}\n`);
        continue;
      }
      const finished = nowMs();
      if (begun >= measureFrom && finished <= end) {
        latencies.push(finished - begun);
        completed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return { txPerSec: completed / (durationMs / 1000), latencyMs: summarize(latencies), failures };
}

async function main(): Promise<void> {
  const run = Number(env('RUN', '0'));
  const writersList = env('WRITERS', '1,8').split(',').map(Number);
  const durationMs = Number(env('DURATION_MS'));
  const warmupMs = Number(env('WARMUP_MS'));
  const skus = Number(env('SKUS', '1000'));
  const app = createApp(env('DATABASE_URL'), Math.max(10, ...writersList) + 2);

  await app.prisma.$executeRawUnsafe('TRUNCATE orders, outbox_message');
  await app.prisma.$executeRawUnsafe(
    `INSERT INTO stock_items (sku, available) SELECT 'sku-' || i, 1000000000 FROM generate_series(0, $1::int - 1) AS i
     ON CONFLICT (sku) DO UPDATE SET available = 1000000000`,
    skus,
  );
  await app.prisma.$executeRawUnsafe('VACUUM ANALYZE stock_items');

  const results: Record<string, Record<string, unknown>> = {};
  for (const writers of writersList) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + run) % VARIANTS.length]!);
    results[String(writers)] = {};
    for (const variant of order) {
      results[String(writers)]![variant] = await closedLoop(transactionOf(app, variant, skus), writers, warmupMs, durationMs);
    }
  }
  await app.prisma.$disconnect();
  emit('result', { run, order: VARIANTS.map((_, i) => VARIANTS[(i + run) % VARIANTS.length]), results });
  process.exit(0);
}

runMain(main);
