import { describe, expect, it } from 'vitest';
import { NestedTransactionError, RollbackOnlyError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { Outbox } from '../outbox.js';
import type { SqlStatement, TransactionHandle, TransactionPort } from '../ports.js';

/**
 * A fake database that records, per transaction, the statements and savepoint calls in order,
 * and keeps a transaction's log only when it commits. Savepoints can be switched off.
 */
class FakeDatabase implements TransactionPort<{ tx: number }> {
  committed: string[][] = [];
  rolledBack: string[][] = [];
  private opened = 0;

  constructor(private readonly withSavepoints = true) {}

  async runInTransaction<T>(work: (handle: TransactionHandle<{ tx: number }>) => Promise<T>): Promise<T> {
    const log: string[] = [];
    const tx = ++this.opened;
    const handle: TransactionHandle<{ tx: number }> = {
      client: { tx },
      executor: {
        query: async () => [],
        execute: async (statement: SqlStatement) => {
          log.push(`insert ${messageTopics(statement).join(',')}`);
          return 1;
        },
      },
      ...(this.withSavepoints
        ? {
            savepoints: {
              create: async (name: string) => void log.push(`savepoint ${name}`),
              rollbackTo: async (name: string) => void log.push(`rollback to ${name}`),
              release: async (name: string) => void log.push(`release ${name}`),
            },
          }
        : {}),
    };
    try {
      const result = await work(handle);
      this.committed.push(log);
      return result;
    } catch (error) {
      this.rolledBack.push(log);
      throw error;
    }
  }
}

function messageTopics(statement: SqlStatement): string[] {
  const first = statement.values[0] as string;
  if (first.startsWith('[')) return (JSON.parse(first) as Array<{ topic: string }>).map((m) => m.topic);
  return [statement.values[1] as string];
}

function setup(withSavepoints = true) {
  const database = new FakeDatabase(withSavepoints);
  const outbox = new Outbox(database, { logger: silentLogger, registerAsDefault: false });
  return { database, outbox };
}

class Declined extends Error {}

describe("propagation 'required'", () => {
  it('a joined failure that is caught makes the commit fail with RollbackOnlyError, which carries it', async () => {
    const { database, outbox } = setup();
    const inner = new Declined('no stock');
    const attempt = outbox.transaction(async () => {
      outbox.send({ topic: 'outer', value: 1 });
      await outbox
        .transaction(async () => {
          outbox.send({ topic: 'inner', value: 2 });
          throw inner;
        })
        .catch(() => undefined);
      return 'returned normally';
    });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollbackOnlyError);
    expect(error).toMatchObject({ code: 'OUTBOX_ROLLBACK_ONLY', cause: inner });
    expect(database.committed).toEqual([]);
    expect(database.rolledBack).toEqual([[]]); // nothing was even written before the rollback
  });

  it('counts the thrown value, whatever it is (a null-prototype object included)', async () => {
    const { outbox } = setup();
    const odd = Object.create(null) as object;
    const attempt = outbox.transaction(async () => {
      await outbox.transaction(async () => {
        throw odd;
      }).catch(() => undefined);
    });
    await expect(attempt).rejects.toMatchObject({ code: 'OUTBOX_ROLLBACK_ONLY', cause: odd });
    await expect(attempt).rejects.toThrow(/\[object Object\]/);
  });
});

describe("propagation 'nested'", () => {
  it('drops the messages and after-commit hooks added since the savepoint, and rolls the database back to it', async () => {
    const { database, outbox } = setup();
    const hooks: string[] = [];
    await outbox.transaction(async () => {
      outbox.send({ topic: 'outer', value: 1 });
      outbox.afterCommit(() => void hooks.push('outer'));
      await outbox
        .transaction(async () => {
          outbox.send({ topic: 'inner', value: 2 });
          outbox.afterCommit(() => void hooks.push('inner'));
          throw new Declined('no');
        }, { propagation: 'nested' })
        .catch(() => undefined);
      outbox.send({ topic: 'after', value: 3 });
    });
    expect(database.committed).toEqual([['savepoint outboxkit_sp_1', 'rollback to outboxkit_sp_1', 'insert outer,after']]);
    expect(hooks).toEqual(['outer']);
  });

  it('releases the savepoint and keeps everything when the nested work returns', async () => {
    const { database, outbox } = setup();
    await outbox.transaction(async () => {
      await outbox.transaction(async () => void outbox.send({ topic: 'inner', value: 1 }), { propagation: 'nested' });
    });
    expect(database.committed).toEqual([['savepoint outboxkit_sp_1', 'release outboxkit_sp_1', 'insert inner']]);
  });

  it('a joined failure caught inside the nested level fails that level only', async () => {
    const { database, outbox } = setup();
    let nestedError: unknown;
    await outbox.transaction(async () => {
      outbox.send({ topic: 'outer', value: 1 });
      await outbox
        .transaction(async () => {
          outbox.send({ topic: 'inner', value: 2 });
          await outbox.transaction(async () => {
            throw new Declined('joined');
          }).catch(() => undefined);
        }, { propagation: 'nested' })
        .catch((error: unknown) => {
          nestedError = error;
        });
    });
    expect(nestedError).toBeInstanceOf(RollbackOnlyError);
    expect(database.committed).toEqual([['savepoint outboxkit_sp_1', 'rollback to outboxkit_sp_1', 'insert outer']]);
  });

  it('is refused with a typed error when the adapter has no savepoints; nothing is written', async () => {
    const { database, outbox } = setup(false);
    const attempt = outbox.transaction(async () => {
      outbox.send({ topic: 'outer', value: 1 });
      await outbox.transaction(async () => undefined, { propagation: 'nested' });
    });
    await expect(attempt).rejects.toBeInstanceOf(NestedTransactionError);
    await expect(attempt).rejects.toMatchObject({ code: 'OUTBOX_NESTED_TRANSACTION', problem: 'unsupported' });
    await expect(attempt).rejects.toThrow(/Use propagation 'required' or 'requiresNew'/);
    expect(database.committed).toEqual([]);
  });

  it('refuses a second nested call running alongside the first, and a send from the level around them', async () => {
    const { database, outbox } = setup();
    const outcomes = await outbox
      .transaction(async () => {
        let release!: () => void;
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        const first = outbox.transaction(async () => {
          outbox.send({ topic: 'first', value: 1 });
          await held;
        }, { propagation: 'nested' });
        await Promise.resolve();
        await Promise.resolve();
        const second = outbox.transaction(async () => void outbox.send({ topic: 'second', value: 2 }), { propagation: 'nested' });
        let sideways: unknown;
        try {
          outbox.send({ topic: 'sideways', value: 3 });
        } catch (error) {
          sideways = error;
        }
        release();
        return Promise.allSettled([first, second, Promise.reject(sideways)]);
      });
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled' });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'OUTBOX_NESTED_TRANSACTION', problem: 'concurrent' } });
    expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: { code: 'OUTBOX_NESTED_TRANSACTION', problem: 'concurrent' } });
    expect(database.committed).toEqual([['savepoint outboxkit_sp_1', 'release outboxkit_sp_1', 'insert first']]);
  });

  it('fails the outer transaction when a nested call is still running as it finishes', async () => {
    const { database, outbox } = setup();
    let stray: Promise<unknown> | undefined;
    const attempt = outbox.transaction(async () => {
      stray = outbox.transaction(() => new Promise((resolve) => setTimeout(resolve, 5)), { propagation: 'nested' });
      stray.catch(() => undefined);
      await Promise.resolve();
      await Promise.resolve();
    });
    await expect(attempt).rejects.toMatchObject({ code: 'OUTBOX_NESTED_TRANSACTION', problem: 'unfinished' });
    await expect(stray).rejects.toMatchObject({ code: 'OUTBOX_TRANSACTION_CLOSED' });
    expect(database.committed).toEqual([]);
  });

  it('opens a transaction when none is open', async () => {
    const { database, outbox } = setup();
    await outbox.transaction(async () => void outbox.send({ topic: 'alone', value: 1 }), { propagation: 'nested' });
    expect(database.committed).toEqual([['insert alone']]);
  });
});

describe("propagation 'requiresNew'", () => {
  it('runs in a transaction of its own that commits before the outer one, and survives its rollback', async () => {
    const { database, outbox } = setup();
    const clients: number[] = [];
    await outbox
      .transaction(async () => {
        clients.push(outbox.transactionClient().tx);
        outbox.send({ topic: 'outer', value: 1 });
        await outbox.transaction(async () => {
          clients.push(outbox.transactionClient().tx);
          outbox.send({ topic: 'audit', value: 2 });
        }, { propagation: 'requiresNew' });
        clients.push(outbox.transactionClient().tx);
        throw new Declined('outer fails');
      })
      .catch(() => undefined);
    expect(clients).toEqual([1, 2, 1]);
    expect(database.committed).toEqual([['insert audit']]);
    expect(database.rolledBack).toEqual([[]]);
  });

  it('its failure leaves the outer transaction free to commit', async () => {
    const { database, outbox } = setup();
    await outbox.transaction(async () => {
      outbox.send({ topic: 'outer', value: 1 });
      await outbox.transaction(async () => {
        outbox.send({ topic: 'audit', value: 2 });
        throw new Declined('audit fails');
      }, { propagation: 'requiresNew' }).catch(() => undefined);
    });
    expect(database.committed).toEqual([['insert outer']]);
  });
});
