import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollbackOnlyError, Transactional, send, transactional } from '@outboxkit/core';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';

/**
 * docs/guarantees.md §4.8, on PostgreSQL through Prisma (legacy decorators here; the TC39
 * form is in standard-decorators.test.ts): `required` joins and turns a caught inner failure
 * into a failed commit, `nested` undoes the inner writes and messages at a savepoint,
 * `requiresNew` commits on its own.
 */
let db: OutboxTestDatabase;

beforeAll(async () => {
  db = await openOutboxTestDatabase('ok_propagation');
});

afterAll(async () => {
  await closeOutboxTestDatabase(db ?? {});
});

class Declined extends Error {}

/** What one test wrote: orders and outbox rows tagged with the test's key. */
async function written(key: string) {
  const orders = await db.prisma.order.findMany({ where: { customer: key }, orderBy: { sku: 'asc' } });
  const messages = await db.prisma.outboxMessage.findMany({ where: { key }, orderBy: { seq: 'asc' } });
  return {
    orders: orders.map((o) => o.sku),
    messages: messages.map((m) => ({ type: m.type, status: m.status })),
    txIds: new Set(messages.map((m) => m.txId)),
  };
}

function place(key: string, sku: string): Promise<unknown> {
  send({ topic: 'orders.placed', key, type: sku, value: { sku } });
  return db.outbox.client.order.create({ data: { id: randomUUID(), customer: key, sku, quantity: 1 } });
}

class Inventory {
  @Transactional({ outbox: () => db.outbox })
  async reserveRequired(key: string, fail: boolean): Promise<void> {
    await place(key, 'inner');
    if (fail) throw new Declined('out of stock');
  }

  @Transactional({ outbox: () => db.outbox, propagation: 'nested' })
  async reserveNested(key: string, fail: boolean): Promise<void> {
    await place(key, 'inner');
    if (fail) throw new Declined('out of stock');
  }

  @Transactional({ outbox: () => db.outbox, propagation: 'requiresNew' })
  async auditRequiresNew(key: string, fail: boolean): Promise<void> {
    await place(key, 'audit');
    if (fail) throw new Declined('audit refused');
  }
}

class Orders {
  constructor(private readonly inventory = new Inventory()) {}

  /** The outer method of the review: it catches the inner failure and returns normally. */
  @Transactional({ outbox: () => db.outbox })
  async placeCatching(key: string, inner: 'required' | 'nested' | 'requiresNew', fail: boolean): Promise<string> {
    await place(key, 'outer');
    try {
      if (inner === 'required') await this.inventory.reserveRequired(key, fail);
      if (inner === 'nested') await this.inventory.reserveNested(key, fail);
      if (inner === 'requiresNew') await this.inventory.auditRequiresNew(key, fail);
      return 'reserved';
    } catch (error) {
      if (!(error instanceof Declined)) throw error;
      return 'backordered';
    }
  }

  @Transactional({ outbox: () => db.outbox })
  async placeThenFail(key: string): Promise<void> {
    await place(key, 'outer');
    await this.inventory.auditRequiresNew(key, false);
    throw new Declined('payment declined');
  }
}

describe("propagation 'required' (the default): a caught inner failure fails the commit", () => {
  it('the review: inner sends and throws, the outer catches and returns → typed error, nothing written', async () => {
    const key = randomUUID();
    const attempt = new Orders().placeCatching(key, 'required', true);
    await expect(attempt).rejects.toBeInstanceOf(RollbackOnlyError);
    await expect(attempt).rejects.toMatchObject({ code: 'OUTBOX_ROLLBACK_ONLY', retriable: false });
    const error = (await attempt.catch((e: unknown) => e)) as RollbackOnlyError;
    expect(error.cause).toBeInstanceOf(Declined);
    expect(error.message).toMatch(/out of stock/);
    expect(error.message).toMatch(/propagation: 'nested'/);
    expect(await written(key)).toMatchObject({ orders: [], messages: [] });
  });

  it('an inner call that succeeds joins the outer: one transaction, both kept', async () => {
    const key = randomUUID();
    expect(await new Orders().placeCatching(key, 'required', false)).toBe('reserved');
    const rows = await written(key);
    expect(rows.orders).toEqual(['inner', 'outer']);
    expect(rows.messages).toEqual([{ type: 'outer', status: 'READY' }, { type: 'inner', status: 'READY' }]);
    expect(rows.txIds.size).toBe(1);
  });

  it('an outer that lets the inner failure through rolls back with that failure, as before', async () => {
    const key = randomUUID();
    const outer = transactional(async () => {
      await place(key, 'outer');
      await new Inventory().reserveRequired(key, true);
    }, { outbox: () => db.outbox });
    await expect(outer()).rejects.toBeInstanceOf(Declined);
    expect(await written(key)).toMatchObject({ orders: [], messages: [] });
  });
});

describe("propagation 'nested': a savepoint undoes the inner writes and the inner messages", () => {
  it('inner fails, outer catches and commits: the outer order and message are kept, the inner ones are gone', async () => {
    const key = randomUUID();
    const hooks: string[] = [];
    const result = await db.outbox.transaction(async () => {
      await place(key, 'outer');
      db.outbox.afterCommit(() => void hooks.push('outer'));
      try {
        await db.outbox.transaction(async () => {
          await place(key, 'inner');
          db.outbox.afterCommit(() => void hooks.push('inner'));
          throw new Declined('out of stock');
        }, { propagation: 'nested' });
      } catch (error) {
        if (!(error instanceof Declined)) throw error;
      }
      return 'backordered';
    });
    expect(result).toBe('backordered');
    expect(await written(key)).toMatchObject({ orders: ['outer'], messages: [{ type: 'outer', status: 'READY' }] });
    expect(hooks).toEqual(['outer']);
  });

  it('the decorated form: @Transactional({ propagation: "nested" }) inside a @Transactional method', async () => {
    const key = randomUUID();
    expect(await new Orders().placeCatching(key, 'nested', true)).toBe('backordered');
    expect(await written(key)).toMatchObject({ orders: ['outer'], messages: [{ type: 'outer', status: 'READY' }] });

    const ok = randomUUID();
    expect(await new Orders().placeCatching(ok, 'nested', false)).toBe('reserved');
    const rows = await written(ok);
    expect(rows.orders).toEqual(['inner', 'outer']);
    expect(rows.messages).toEqual([{ type: 'outer', status: 'READY' }, { type: 'inner', status: 'READY' }]);
    expect(rows.txIds.size).toBe(1);
  });

  it('a database error inside the nested call is undone too: the outer transaction goes on', async () => {
    const key = randomUUID();
    const taken = randomUUID();
    await db.outbox.transaction(async () => {
      await db.outbox.client.order.create({ data: { id: taken, customer: key, sku: 'outer', quantity: 1 } });
      send({ topic: 'orders.placed', key, type: 'outer', value: {} });
      const duplicate = db.outbox.transaction(async () => {
        send({ topic: 'orders.placed', key, type: 'inner', value: {} });
        await db.outbox.client.order.create({ data: { id: taken, customer: key, sku: 'inner', quantity: 1 } });
      }, { propagation: 'nested' });
      await expect(duplicate).rejects.toThrow(/Unique constraint/);
      // Without the savepoint PostgreSQL would refuse this: "current transaction is aborted".
      await place(key, 'after');
    });
    expect(await written(key)).toMatchObject({
      orders: ['after', 'outer'],
      messages: [{ type: 'outer', status: 'READY' }, { type: 'after', status: 'READY' }],
    });
  });

  it('nests in depth: the innermost failure is undone, the middle and outer levels commit', async () => {
    const key = randomUUID();
    await db.outbox.transaction(async () => {
      await place(key, 'a-outer');
      await db.outbox.transaction(async () => {
        await place(key, 'b-middle');
        await db.outbox
          .transaction(async () => {
            await place(key, 'c-inner');
            throw new Declined('innermost');
          }, { propagation: 'nested' })
          .catch(() => undefined);
        await place(key, 'd-middle-after');
      }, { propagation: 'nested' });
    });
    const rows = await written(key);
    expect(rows.orders).toEqual(['a-outer', 'b-middle', 'd-middle-after']);
    expect(rows.messages.map((m) => m.type)).toEqual(['a-outer', 'b-middle', 'd-middle-after']);
  });

  it('a joined call that failed inside a nested one fails that nested level, not the outer transaction', async () => {
    const key = randomUUID();
    let nestedError: unknown;
    await db.outbox.transaction(async () => {
      await place(key, 'outer');
      await db.outbox
        .transaction(async () => {
          await new Inventory().reserveRequired(key, true).catch(() => undefined);
          return 'swallowed';
        }, { propagation: 'nested' })
        .catch((error: unknown) => {
          nestedError = error;
        });
    });
    expect(nestedError).toBeInstanceOf(RollbackOnlyError);
    expect(await written(key)).toMatchObject({ orders: ['outer'], messages: [{ type: 'outer', status: 'READY' }] });
  });

  it('without an outer transaction it opens one', async () => {
    const key = randomUUID();
    await db.outbox.transaction(() => place(key, 'alone'), { propagation: 'nested' });
    expect(await written(key)).toMatchObject({ orders: ['alone'], messages: [{ type: 'alone', status: 'READY' }] });
  });
});

describe("propagation 'requiresNew': its own transaction on its own connection", () => {
  it('commits even when the outer transaction then rolls back', async () => {
    const key = randomUUID();
    await expect(new Orders().placeThenFail(key)).rejects.toBeInstanceOf(Declined);
    expect(await written(key)).toMatchObject({ orders: ['audit'], messages: [{ type: 'audit', status: 'READY' }] });
  });

  it('its failure does not touch the outer, which catches it and commits; the two have different transaction ids', async () => {
    const failed = randomUUID();
    expect(await new Orders().placeCatching(failed, 'requiresNew', true)).toBe('backordered');
    expect(await written(failed)).toMatchObject({ orders: ['outer'], messages: [{ type: 'outer', status: 'READY' }] });

    const ok = randomUUID();
    expect(await new Orders().placeCatching(ok, 'requiresNew', false)).toBe('reserved');
    const rows = await written(ok);
    expect(rows.orders).toEqual(['audit', 'outer']);
    expect(rows.txIds.size).toBe(2);
  });

  it('does not see the outer transaction’s uncommitted writes', async () => {
    const key = randomUUID();
    const id = randomUUID();
    const seen = await db.outbox.transaction(async () => {
      await db.outbox.client.order.create({ data: { id, customer: key, sku: 'outer', quantity: 1 } });
      return db.outbox.transaction(() => db.outbox.client.order.findUnique({ where: { id } }), { propagation: 'requiresNew' });
    });
    expect(seen).toBeNull();
  });
});

describe('half messages and propagation', () => {
  it("a caught joined failure in a database-mode local step rolls the half message back at once", async () => {
    const key = randomUUID();
    const result = await db.outbox.sendHalf(
      { topic: 'orders.placed', key, value: {}, producerGroup: 'propagation' },
      async () => {
        await place(key, 'local');
        await new Inventory().reserveRequired(key, true).catch(() => undefined);
        return 'COMMIT';
      },
      { localTransaction: 'database' },
    );
    expect(result).toMatchObject({ localState: 'ROLLBACK', status: 'ROLLED_BACK' });
    expect(result.error).toBeInstanceOf(RollbackOnlyError);
    const rows = await db.prisma.outboxMessage.findMany({ where: { key } });
    expect(rows.map((row) => row.status)).toEqual(['ROLLED_BACK']); // the half row; nothing of the local step
    expect(await db.prisma.order.count({ where: { customer: key } })).toBe(0);
  });
});
