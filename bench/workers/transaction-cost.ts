// Cost to the business transaction. A representative Prisma transaction — create an Order,
// decrement a StockItem (1,000 SKUs, so concurrent writers rarely share a row) — run by W
// concurrent writers back to back (closed loop) for DURATION_MS after WARMUP_MS, in four variants:
//
//   plain          prisma.$transaction(tx => create + update)          what the service had before
//   plain+trivial  the same plus one trivial Prisma statement (SELECT 1) the yardstick of the target
//   outbox-nosend  outbox.transaction(() => db.create + db.update)      outboxkit's wrapper, no message
//   outbox         the same plus send(one message)                      what the service has with outboxkit
//
// One run measures every variant at every writer count for DURATION_MS each, cut into SLICES
// interleaved slices (variant order rotated per slice and per RUN), so that a drift of a shared
// machine spreads over all variants instead of hitting one. Prints one `result` line.
//
//   DATABASE_URL RUN WRITERS=1,8 DURATION_MS WARMUP_MS SLICES SKUS
import { randomUUID } from 'node:crypto';
import { send } from '@outboxkit/core';
import { nowMs } from '../lib/clock.mjs';
import { summarize } from '../lib/stats.mjs';
import { startTrace } from '../lib/trace.mjs';
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

interface Tally {
  latencies: number[];
  completed: number;
  measuredMs: number;
  failures: number;
}

async function closedLoop(work: () => Promise<unknown>, writers: number, warmupMs: number, durationMs: number, tally: Tally) {
  const { latencies } = tally;
  const start = nowMs();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  const writer = async () => {
    for (;;) {
      const begun = nowMs();
      if (begun >= end) return;
      try {
        await work();
      } catch (error) {
        tally.failures += 1;
        if (tally.failures <= 3) process.stderr.write(`transaction failed: ${String(error)}\n`);
        continue;
      }
      const finished = nowMs();
      if (begun >= measureFrom && finished <= end) {
        latencies.push(finished - begun);
        tally.completed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  tally.measuredMs += durationMs;
}

async function main(): Promise<void> {
  const run = Number(env('RUN', '0'));
  const writersList = env('WRITERS', '1,8').split(',').map(Number);
  const durationMs = Number(env('DURATION_MS'));
  const warmupMs = Number(env('WARMUP_MS'));
  const skus = Number(env('SKUS', '1000'));
  const slices = Number(env('SLICES', '4'));
  const trace = process.env.BENCH_TRACE === '1' ? startTrace() : undefined;
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
    const tallies = new Map<Variant, Tally>(VARIANTS.map((v) => [v, { latencies: [], completed: 0, measuredMs: 0, failures: 0 }]));
    for (let slice = 0; slice < slices; slice += 1) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + run + slice) % VARIANTS.length]!);
      for (const variant of order) {
        await closedLoop(transactionOf(app, variant, skus), writers, slice === 0 ? warmupMs : 0, durationMs / slices, tallies.get(variant)!);
      }
    }
    results[String(writers)] = Object.fromEntries(
      [...tallies].map(([variant, t]) => [variant, { txPerSec: t.completed / (t.measuredMs / 1000), latencyMs: summarize(t.latencies), failures: t.failures }]),
    );
  }
  await app.prisma.$disconnect();
  emit('result', { run, slices, results, ...(trace ? { trace: trace.report() } : {}) });
  process.exit(0);
}

runMain(main);
