import { describe, expect, it } from 'vitest';
import { Outbox, silentLogger } from '@outboxkit/core';
import type { TransactionHandle, TransactionPort } from '@outboxkit/core/internal';
import { ambientRoutingClient } from './ambient-routing-client.js';

// A stand-in for Prisma: model delegates whose methods say which client ran them. The "extended"
// client is what the routing extension would be; its calls are the fallback path.
function fakeClient(name: string) {
  const calls: string[] = [];
  const delegate = (model: string) => ({
    create(args: unknown) {
      calls.push(`${name}.${model}.create`);
      return { ran: name, args, self: this };
    },
    findMany() {
      return [];
    },
    fields: { id: `${model}.id` },
  });
  return {
    calls,
    order: delegate('order'),
    stockItem: delegate('stockItem'),
    $queryRaw(this: unknown) {
      calls.push(`${name}.$queryRaw`);
      return this;
    },
    _internal: { kind: 'not a model' },
    settings: { log: () => 'settings.log' },
  };
}

function outboxOn(txClient: object) {
  const port: TransactionPort<object> = {
    runInTransaction: <T>(work: (handle: TransactionHandle<object>) => Promise<T>) =>
      work({ client: txClient, executor: { query: async () => [], execute: async () => 0 } }),
  };
  return new Outbox(port, { logger: silentLogger, registerAsDefault: false });
}

describe('ambientRoutingClient', () => {
  it('sends a model call made inside an open transaction of its outbox to that transaction client', async () => {
    const extended = fakeClient('extended');
    const tx = fakeClient('tx');
    const outbox = outboxOn(tx);
    const client = ambientRoutingClient(extended, outbox);
    const result = (await outbox.transaction(async () => client.order.create({ a: 1 }))) as { ran: string; args: unknown; self: unknown };
    expect(result.ran).toBe('tx');
    expect(result.args).toEqual({ a: 1 });
    expect(result.self).toBe(tx.order); // called as a method of the transaction's delegate
    expect(tx.calls).toEqual(['tx.order.create']);
    expect(extended.calls).toEqual([]);
  });

  it('decides when the method is called, so a delegate taken outside a transaction still joins it', async () => {
    const extended = fakeClient('extended');
    const tx = fakeClient('tx');
    const outbox = outboxOn(tx);
    const orders = ambientRoutingClient(extended, outbox).order;
    expect(orders.create({}).ran).toBe('extended');
    expect(((await outbox.transaction(async () => orders.create({}))) as { ran: string }).ran).toBe('tx');
  });

  it('leaves calls outside any transaction, and inside another outbox’s, to the extended client', async () => {
    const extended = fakeClient('extended');
    const client = ambientRoutingClient(extended, outboxOn(fakeClient('tx')));
    const other = outboxOn(fakeClient('other-tx'));
    expect(client.order.create({}).ran).toBe('extended');
    expect(((await other.transaction(async () => client.stockItem.create({}))) as { ran: string }).ran).toBe('extended');
  });

  it('leaves a call from work left over after the transaction ended to the extended client (whose extension refuses it)', async () => {
    const extended = fakeClient('extended');
    const tx = fakeClient('tx');
    const outbox = outboxOn(tx);
    const client = ambientRoutingClient(extended, outbox);
    let late: () => { ran: string } = () => ({ ran: 'never' });
    await outbox.transaction(async () => {
      late = () => client.order.create({});
    });
    expect(late().ran).toBe('extended');
    expect(tx.calls).toEqual([]);
  });

  it('passes everything that is not a model call through: properties, client methods (bound), internals', async () => {
    const extended = fakeClient('extended');
    const tx = fakeClient('tx');
    const outbox = outboxOn(tx);
    const client = ambientRoutingClient(extended, outbox);
    expect(client.order.fields).toBe(extended.order.fields);
    expect(client._internal).toBe(extended._internal);
    expect(client.settings).toBe(extended.settings); // an object without model methods is not a model
    const { $queryRaw } = client;
    expect($queryRaw()).toBe(extended); // `this` is the extended client even when detached
    expect(await outbox.transaction(async () => client.$queryRaw())).toBe(extended); // raw queries are not rerouted
    expect(tx.calls).toEqual([]);
    expect((client as Record<string, unknown>).then).toBeUndefined(); // not a thenable: `await outbox.client` is safe
  });
});
