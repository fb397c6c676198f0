// outbox.client on the real Prisma client: which transaction each model call runs in
// (ambient-routing-client.ts in front of ambient-routing-extension.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransactionClosedError, silentLogger } from '@outboxkit/core';
import { createPrismaOutbox, type PrismaOutbox } from '@outboxkit/prisma-adapter';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';
import type { PrismaClient } from '@outboxkit/test-support/prisma';

let parts: Partial<OutboxTestDatabase> = {};
let prisma: PrismaClient;
let outbox: PrismaOutbox<PrismaClient>;

beforeAll(async () => {
  parts = await openOutboxTestDatabase('ok_routing');
  prisma = parts.prisma!;
  outbox = parts.outbox!;
});

afterAll(async () => {
  await closeOutboxTestDatabase(parts);
});

const order = (id: string) => ({ data: { id, customer: 'c', sku: 's', quantity: 1 } });
const exists = async (id: string) => (await prisma.order.findUnique({ where: { id } })) !== null;

describe('outbox.client', () => {
  it('runs a model call taken from a delegate held outside the transaction in the transaction', async () => {
    const orders = outbox.client.order;
    const id = randomUUID();
    await expect(
      outbox.transaction(async () => {
        await orders.create(order(id));
        expect(await exists(id)).toBe(false); // not committed: it ran in the transaction
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await exists(id)).toBe(false);
  });

  it('runs calls inside another outbox’s transaction on the base client (outboxes never cross)', async () => {
    const other = createPrismaOutbox(prisma, { logger: silentLogger, registerAsDefault: false });
    const id = randomUUID();
    await expect(
      other.transaction(async () => {
        await outbox.client.order.create(order(id));
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await exists(id)).toBe(true);
  });

  it('runs calls in its own transaction when another outbox’s transaction is open inside it', async () => {
    const other = createPrismaOutbox(prisma, { logger: silentLogger, registerAsDefault: false });
    const mine = randomUUID();
    const theirs = randomUUID();
    await expect(
      outbox.transaction(async () => {
        await other.transaction(async () => {
          await other.client.order.create(order(theirs));
          await outbox.client.order.create(order(mine)); // still this outbox's transaction, not the base client
          outbox.send({ topic: 'routing.mine', value: mine });
        });
        expect(await exists(theirs)).toBe(true); // the other outbox's transaction committed on its own
        throw new Error('undo mine');
      }),
    ).rejects.toThrow('undo mine');
    expect(await exists(mine)).toBe(false);
    expect(await exists(theirs)).toBe(true);
    const sent = await prisma.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM outbox_message WHERE topic = 'routing.mine'`;
    expect(Number(sent[0]!.n)).toBe(0);
  });

  it('refuses a call from work left over after its transaction ended, with TransactionClosedError', async () => {
    let late: Promise<unknown> | undefined;
    const id = randomUUID();
    // The leftover work runs once the transaction has ended — gated on that, not on a timer,
    // which on a loaded machine can fire while the commit is still under way (a different error).
    let ended!: () => void;
    const transactionEnded = new Promise<void>((resolve) => (ended = resolve));
    await outbox.transaction(async () => {
      late = transactionEnded.then(() => outbox.client.order.create(order(id)));
    });
    ended();
    await expect(late).rejects.toBeInstanceOf(TransactionClosedError);
    expect(await exists(id)).toBe(false);
  });

  it('fails a call made inside a transaction but first awaited after it ended, and writes nothing', async () => {
    const id = randomUUID();
    let pending: PromiseLike<unknown> | undefined;
    await outbox.transaction(async () => {
      pending = outbox.client.order.create(order(id)); // Prisma's promises are lazy: nothing ran yet
    });
    await expect(pending).rejects.toThrow(/transaction|closed/i);
    expect(await exists(id)).toBe(false);
  });

  it('keeps routing in clients derived with $extends, and leaves raw queries on the base client', async () => {
    const derived = outbox.client.$extends({});
    const id = randomUUID();
    await expect(
      outbox.transaction(async () => {
        await derived.order.create(order(id));
        const seen = await outbox.client.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM orders WHERE id = ${id}::uuid`;
        expect(seen[0]!.n).toBe(0); // $queryRaw is not rerouted: it does not see the open transaction
        expect(await outbox.client.order.findUnique({ where: { id } })).not.toBeNull();
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await exists(id)).toBe(false);
  });

  it('runs $transaction of outbox.client as Prisma does', async () => {
    const id = randomUUID();
    await outbox.client.$transaction(async (tx) => {
      await tx.order.create(order(id));
    });
    expect(await exists(id)).toBe(true);
    expect(outbox.client.order.fields.id).toBeDefined();
  });
});
