import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransactionClosedError, TransactionClosingError } from '@outboxkit/core';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';

/**
 * docs/guarantees.md §4.7: a `send()` that returned an id has a row that commits with its
 * transaction. Unawaited work racing the flush used to slip its message into the buffer after
 * it had been written, and get an id whose row never existed.
 */
let db: OutboxTestDatabase;

beforeAll(async () => {
  db = await openOutboxTestDatabase('ok_flush_race');
});

afterAll(async () => {
  await closeOutboxTestDatabase(db ?? {});
});

/** Resolves after `n` turns of the event loop (each turn lets PostgreSQL's answers in). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Resolves after `n` turns of the microtask queue: no I/O can complete in between. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await Promise.resolve();
}

describe('unawaited sends racing the flush of their transaction (PostgreSQL)', () => {
  it('40 sends: each one either throws a typed error or has its row after commit', async () => {
    const key = randomUUID();
    // Settled as they go, so a refusal is never an unhandled rejection.
    const strays: Array<Promise<PromiseSettledResult<string>>> = [];
    await db.outbox.transaction(async () => {
      await db.outbox.client.order.create({ data: { id: key, customer: 'race', sku: 's', quantity: 1 } });
      // Staggered over the end of the work (which returns after 50 microtask turns), the flush,
      // the commit and after it: a send that waited only microtasks past the end of the work
      // lands while the INSERT is on the wire, since no I/O completes between microtasks.
      for (let n = 0; n < 40; n += 1) {
        const send = turns(Math.floor(n / 10))
          .then(() => ticks((n % 10) * 20))
          .then(() => db.outbox.send({ topic: 'race', key, value: { n } }));
        strays.push(Promise.allSettled([send]).then(([outcome]) => outcome!));
      }
      await ticks(50);
    });
    const outcomes = await Promise.all(strays);
    const rows = await db.prisma.outboxMessage.findMany({ where: { key }, select: { id: true, status: true } });
    const written = new Map(rows.map((row) => [row.id, row.status]));

    const returnedWithoutRow = outcomes.filter((o) => o.status === 'fulfilled' && !written.has(o.value));
    expect(returnedWithoutRow).toEqual([]);
    const fulfilled = outcomes.filter((o): o is PromiseFulfilledResult<string> => o.status === 'fulfilled');
    expect(fulfilled.map((o) => written.get(o.value))).toEqual(fulfilled.map(() => 'READY'));
    expect(rows).toHaveLength(fulfilled.length);

    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as Error);
    for (const error of refused) {
      expect(error instanceof TransactionClosingError || error instanceof TransactionClosedError).toBe(true);
      expect(error.message).toMatch(/Await every call/);
    }
    // The race really covered the window: some sends landed before the flush, some during it.
    expect(fulfilled.length).toBeGreaterThan(0);
    expect(refused.some((error) => error instanceof TransactionClosingError)).toBe(true);
  });
});
