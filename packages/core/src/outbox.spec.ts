import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { Transactional, transactional } from './decorators/transactional.js';
import { NoActiveTransactionError, TransactionClosedError } from './errors.js';
import { Outbox, sendInCurrentTransaction } from './outbox.js';
import { silentLogger } from './logger.js';
import type { SqlStatement, TransactionHandle, TransactionPort } from './ports.js';

/** A TransactionPort that records statements per transaction and "commits" by keeping them. */
class RecordingPort implements TransactionPort<{ name: string }> {
  committed: SqlStatement[][] = [];
  rolledBack = 0;
  async runInTransaction<T>(work: (handle: TransactionHandle<{ name: string }>) => Promise<T>): Promise<T> {
    const statements: SqlStatement[] = [];
    const handle: TransactionHandle<{ name: string }> = {
      client: { name: 'tx-client' },
      executor: {
        async query() {
          return [];
        },
        async execute(statement) {
          statements.push(statement);
          return 1;
        },
      },
    };
    try {
      const result = await work(handle);
      this.committed.push(statements);
      return result;
    } catch (error) {
      this.rolledBack += 1;
      throw error;
    }
  }
}

function setup() {
  const port = new RecordingPort();
  const outbox = new Outbox(port, { logger: silentLogger });
  return { port, outbox };
}

describe('Outbox', () => {
  it('writes all messages of a transaction in one statement at commit', async () => {
    const { port, outbox } = setup();
    const ids = await outbox.transaction(async () => [
      outbox.send({ topic: 'a', value: 1 }),
      outbox.send({ topic: 'b', value: 2 }),
    ]);
    expect(port.committed).toHaveLength(1);
    expect(port.committed[0]).toHaveLength(1);
    const documents = JSON.parse(port.committed[0]![0]!.values[0] as string) as Array<{ id: string }>;
    expect(documents.map((d) => d.id)).toEqual(ids);
  });

  it('writes nothing when the work throws', async () => {
    const { port, outbox } = setup();
    await expect(
      outbox.transaction(async () => {
        outbox.send({ topic: 'a', value: 1 });
        throw new Error('business failure');
      }),
    ).rejects.toThrow('business failure');
    expect(port.committed).toHaveLength(0);
    expect(port.rolledBack).toBe(1);
  });

  it('refuses send outside a transaction with a typed error', () => {
    const { outbox } = setup();
    expect(() => outbox.send({ topic: 'a', value: 1 })).toThrow(NoActiveTransactionError);
    expect(() => sendInCurrentTransaction({ topic: 'a', value: 1 })).toThrow(/outside an outbox transaction/);
  });

  it('refuses send from work that outlived its transaction', async () => {
    const { outbox } = setup();
    let late: Promise<void> | undefined;
    await outbox.transaction(async () => {
      late = new Promise((resolve) => setTimeout(resolve, 5)).then(() => {
        outbox.send({ topic: 'a', value: 1 });
      });
    });
    await expect(late).rejects.toThrow(TransactionClosedError);
  });

  it('joins an open transaction instead of opening a second one', async () => {
    const { port, outbox } = setup();
    await outbox.transaction(async () => {
      outbox.send({ topic: 'a', value: 1 });
      await outbox.transaction(async () => {
        outbox.send({ topic: 'a', value: 2 });
      });
    });
    expect(port.committed).toHaveLength(1);
    expect(JSON.parse(port.committed[0]![0]!.values[0] as string)).toHaveLength(2);
  });

  it('runs after-commit hooks only after a commit', async () => {
    const { outbox } = setup();
    const calls: string[] = [];
    await outbox.transaction(async () => outbox.afterCommit(() => void calls.push('committed')));
    await outbox
      .transaction(async () => {
        outbox.afterCommit(() => void calls.push('rolled back'));
        throw new Error('x');
      })
      .catch(() => undefined);
    expect(calls).toEqual(['committed']);
  });

  it('exposes the adapter client of the current transaction', async () => {
    const { outbox } = setup();
    expect(await outbox.transaction(async () => outbox.transactionClient().name)).toBe('tx-client');
    expect(() => outbox.transactionClient()).toThrow(NoActiveTransactionError);
  });
});

describe('@Transactional', () => {
  const marker = Symbol('route');
  /** Does what Nest's SetMetadata and Swagger's decorators do: metadata on the method function. */
  const Route = (value: string) => (_t: object, _k: string | symbol, descriptor: PropertyDescriptor) => {
    Reflect.defineMetadata(marker, value, descriptor.value);
  };

  it('runs the method in a transaction and keeps its name and metadata', async () => {
    const { port, outbox } = setup();
    class OrderService {
      prefix = 'order-';
      @Transactional({ outbox })
      @Route('POST /orders')
      @Reflect.metadata(marker, 'on the prototype')
      async place(id: string) {
        outbox.send({ topic: 'orders', key: id, value: { id } });
        return this.prefix + id;
      }
    }
    const service = new OrderService();
    expect(await service.place('1')).toBe('order-1');
    expect(port.committed).toHaveLength(1);
    expect(OrderService.prototype.place.name).toBe('place');
    expect(Reflect.getMetadata(marker, OrderService.prototype.place)).toBe('POST /orders');
    expect(Reflect.getMetadata(marker, OrderService.prototype, 'place')).toBe('on the prototype');
  });

  it('uses the default outbox when given none', async () => {
    const { port } = setup();
    class Service {
      @Transactional()
      async run() {
        sendInCurrentTransaction({ topic: 'x', value: true });
      }
    }
    await new Service().run();
    expect(port.committed).toHaveLength(1);
  });

  it('has a plain-function form', async () => {
    const { port, outbox } = setup();
    const place = transactional(async (n: number) => outbox.send({ topic: 'x', value: n }), { outbox });
    await place(1);
    expect(port.committed).toHaveLength(1);
  });
});
