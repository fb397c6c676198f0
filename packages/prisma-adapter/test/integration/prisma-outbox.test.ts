import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MessageSerializationError,
  NoActiveTransactionError,
  Transactional,
  send,
  silentLogger,
} from '@outboxkit/core';
import { createPrismaOutbox, type PrismaOutbox } from '@outboxkit/prisma-adapter';
import { freshDatabase } from '@outboxkit/test-support/servers';
import { createPrismaClient, type PrismaClient } from '@outboxkit/test-support/prisma';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let prisma: PrismaClient;
let outbox: PrismaOutbox<PrismaClient>;

beforeAll(async () => {
  database = await freshDatabase('ok_prisma');
  prisma = createPrismaClient(database.url);
  outbox = createPrismaOutbox(prisma, { logger: silentLogger });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

class OrderService {
  @Transactional({ outbox: () => outbox })
  async place(id: string, value: unknown, fail = false) {
    await outbox.client.order.create({ data: { id, customer: 'c', sku: 'sku-1', quantity: 1 } });
    const messageId = send({ topic: 'orders.created', key: id, value, type: 'OrderCreated', headers: { origin: 'test' } });
    if (fail) throw new Error('declined');
    return messageId;
  }
}

describe('PrismaOutbox on PostgreSQL', () => {
  it('commits the business row and the outbox row together', async () => {
    const id = randomUUID();
    const messageId = await new OrderService().place(id, { total: 12.5 });
    const order = await prisma.order.findUnique({ where: { id } });
    const row = await prisma.outboxMessage.findUnique({ where: { id: messageId } });
    expect(order?.customer).toBe('c');
    expect(row).toMatchObject({
      topic: 'orders.created',
      key: id,
      status: 'READY',
      type: 'OrderCreated',
      payload: { total: 12.5 },
      headers: { origin: 'test' },
    });
    expect(typeof row?.txId).toBe('bigint');
  });

  it('rolls both back when the method throws', async () => {
    const id = randomUUID();
    await expect(new OrderService().place(id, { total: 1 }, true)).rejects.toThrow('declined');
    expect(await prisma.order.findUnique({ where: { id } })).toBeNull();
    expect(await prisma.outboxMessage.count({ where: { key: id } })).toBe(0);
  });

  it('refuses send outside a transaction and writes nothing', async () => {
    const before = await prisma.outboxMessage.count();
    expect(() => send({ topic: 'orders.created', value: 1 })).toThrow(NoActiveTransactionError);
    expect(() => outbox.send({ topic: 'orders.created', value: 1 })).toThrow(NoActiveTransactionError);
    expect(await prisma.outboxMessage.count()).toBe(before);
  });

  it.each([
    ['a BigInt', { amount: 10n }],
    ['a cycle', (() => { const o: Record<string, unknown> = {}; o.self = o; return o; })()],
  ])('rejects %s with a typed error and rolls the transaction back', async (_label, value) => {
    const id = randomUUID();
    const attempt = new OrderService().place(id, value);
    await expect(attempt).rejects.toBeInstanceOf(MessageSerializationError);
    expect(await prisma.order.findUnique({ where: { id } })).toBeNull();
    expect(await prisma.outboxMessage.count({ where: { key: id } })).toBe(0);
  });

  it('writes many messages of one transaction in one statement, in send order', async () => {
    const key = randomUUID();
    const ids = await outbox.transaction(async () =>
      Array.from({ length: 50 }, (_, n) => send({ topic: 'bulk', key, value: { n } })),
    );
    const rows = await prisma.outboxMessage.findMany({ where: { key }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.id)).toEqual(ids);
  });

  it('stores raw bytes in payload_bytes', async () => {
    const id = await outbox.transaction(async () => send({ topic: 'bytes', value: new Uint8Array([0, 1, 254, 255]) }));
    const row = await prisma.outboxMessage.findUniqueOrThrow({ where: { id } });
    expect(row.payload).toBeNull();
    expect([...(row.payloadBytes ?? [])]).toEqual([0, 1, 254, 255]);
  });

  it('routes model calls of the extended client to the ambient transaction', async () => {
    const id = randomUUID();
    await expect(
      outbox.transaction(async () => {
        await outbox.client.order.create({ data: { id, customer: 'x', sku: 's', quantity: 2 } });
        // Visible inside the transaction through the extended client...
        expect(await outbox.client.order.findUnique({ where: { id } })).not.toBeNull();
        // ...but not to the plain client, which runs outside it.
        expect(await prisma.order.findUnique({ where: { id } })).toBeNull();
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await prisma.order.findUnique({ where: { id } })).toBeNull();
  });
});
