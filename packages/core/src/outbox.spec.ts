import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { Transactional, transactional } from './decorators/transactional.js';
import { NoActiveTransactionError, TransactionClosedError } from './errors.js';
import { Outbox, send } from './outbox.js';
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
    expect(() => send({ topic: 'a', value: 1 })).toThrow(/outside an outbox transaction/);
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
        send({ topic: 'x', value: true });
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

describe('two outboxes (two databases) in one call chain', () => {
  function twoOutboxes() {
    const a = setup();
    const b = setup();
    return { portA: a.port, outboxA: a.outbox, portB: b.port, outboxB: b.outbox };
  }
  // insertMessages' two forms: one message binds (id, topic, …); several travel as one JSON document.
  const topicsOf = (statements: SqlStatement[][]) =>
    statements
      .flat()
      .flatMap((statement) =>
        statement.values.length === 2
          ? (JSON.parse(statement.values[0] as string) as Array<{ topic: string }>).map((m) => m.topic)
          : [statement.values[1] as string],
      );

  it("outboxB.transaction inside outboxA's opens B's own transaction, and each send lands in its own outbox", async () => {
    const { portA, outboxA, portB, outboxB } = twoOutboxes();
    await outboxA.transaction(async () => {
      outboxA.send({ topic: 'a.before', value: 1 });
      await outboxB.transaction(async () => {
        outboxB.send({ topic: 'b.inner', value: 2 });
        outboxA.send({ topic: 'a.inside-b', value: 3 }); // A's transaction is still open around B's
        expect(outboxB.transactionClient()).not.toBe(undefined);
      });
      outboxA.send({ topic: 'a.after', value: 4 });
    });
    expect(portB.committed).toHaveLength(1);
    expect(topicsOf(portB.committed)).toEqual(['b.inner']);
    expect(portA.committed).toHaveLength(1);
    expect(topicsOf(portA.committed)).toEqual(['a.before', 'a.inside-b', 'a.after']);
  });

  it("a failure in B's transaction rolls back only B's, when A's caller catches it", async () => {
    const { portA, outboxA, portB, outboxB } = twoOutboxes();
    await outboxA.transaction(async () => {
      outboxA.send({ topic: 'a.kept', value: 1 });
      await expect(
        outboxB.transaction(async () => {
          outboxB.send({ topic: 'b.lost', value: 2 });
          throw new Error('b fails');
        }),
      ).rejects.toThrow('b fails');
    });
    expect(portB.rolledBack).toBe(1);
    expect(portB.committed).toHaveLength(0);
    expect(topicsOf(portA.committed)).toEqual(['a.kept']);
  });

  it("outboxB.send inside only A's transaction is refused instead of writing to A's database", async () => {
    const { portA, outboxA, outboxB } = twoOutboxes();
    await outboxA.transaction(async () => {
      expect(() => outboxB.send({ topic: 'b.stray', value: 1 })).toThrow(NoActiveTransactionError);
      expect(() => outboxB.transactionClient()).toThrow(NoActiveTransactionError);
      outboxA.send({ topic: 'a.only', value: 2 });
    });
    expect(topicsOf(portA.committed)).toEqual(['a.only']);
  });

  it('the plain send() uses the innermost transaction', async () => {
    const { portA, outboxA, portB, outboxB } = twoOutboxes();
    await outboxA.transaction(() => outboxB.transaction(async () => send({ topic: 'inner', value: 1 })));
    expect(topicsOf(portB.committed)).toEqual(['inner']);
    expect(portA.committed).toEqual([[]]);
  });
});
