import { describe, expect, it } from 'vitest';
import { OutboxError, TransactionClosedError, TransactionClosingError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { Outbox } from '../outbox.js';
import type { SqlStatement, TransactionHandle, TransactionPort } from '../ports.js';

/** A promise with its resolve exposed, to hold the fake database at a chosen point. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * A TransactionPort whose INSERT and COMMIT each wait for a gate, so a test can act while the
 * messages are being written and while the transaction is committing.
 */
class GatedPort implements TransactionPort<{ name: string }> {
  readonly insertStarted = gate();
  readonly insertDone = gate();
  readonly commitStarted = gate();
  readonly commitDone = gate();
  committed: SqlStatement[][] = [];

  async runInTransaction<T>(work: (handle: TransactionHandle<{ name: string }>) => Promise<T>): Promise<T> {
    const statements: SqlStatement[] = [];
    const result = await work({
      client: { name: 'tx-client' },
      executor: {
        query: async () => [],
        execute: async (statement) => {
          this.insertStarted.open();
          await this.insertDone.promise;
          statements.push(statement);
          return 1;
        },
      },
    });
    this.commitStarted.open();
    await this.commitDone.promise;
    this.committed.push(statements);
    return result;
  }
}

function writtenIds(port: GatedPort): string[] {
  return port.committed.flat().flatMap((statement) => {
    const first = statement.values[0] as string;
    return first.startsWith('[') ? (JSON.parse(first) as Array<{ id: string }>).map((m) => m.id) : [first];
  });
}

const LATE_CALLS: Array<[string, (outbox: Outbox<{ name: string }>) => unknown]> = [
  ['send()', (outbox) => outbox.send({ topic: 'late', value: 1 })],
  ['afterCommit()', (outbox) => outbox.afterCommit(() => undefined)],
  ['transactionClient()', (outbox) => outbox.transactionClient()],
];

describe('TransactionScope: sealed once the flush has begun (docs/guarantees.md §4.7)', () => {
  it.each(LATE_CALLS)('refuses %s from unawaited work while the messages are being written', async (_label, call) => {
    const port = new GatedPort();
    const outbox = new Outbox(port, { logger: silentLogger, registerAsDefault: false });
    let stray: Promise<unknown> | undefined;
    const committed = outbox.transaction(async () => {
      const id = outbox.send({ topic: 'on-time', value: 0 });
      stray = port.insertStarted.promise.then(() => call(outbox));
      return id;
    });
    await port.insertStarted.promise;
    const error = await stray!.then(() => undefined, (e: unknown) => e);
    port.insertDone.open();
    port.commitDone.open();
    const id = await committed;
    expect(error).toBeInstanceOf(TransactionClosingError);
    expect(error).toBeInstanceOf(OutboxError);
    expect(error).toMatchObject({ code: 'OUTBOX_TRANSACTION_CLOSING' });
    expect((error as Error).message).toMatch(/already committing/);
    expect((error as Error).message).toMatch(/Await every call/);
    expect(writtenIds(port)).toEqual([id]);
  });

  it('refuses a send between the write and the commit, and one after the commit', async () => {
    const port = new GatedPort();
    const outbox = new Outbox(port, { logger: silentLogger, registerAsDefault: false });
    let beforeCommit: Promise<unknown> | undefined;
    let afterCommit: Promise<unknown> | undefined;
    const committed = outbox.transaction(async () => {
      outbox.send({ topic: 'on-time', value: 0 });
      beforeCommit = port.commitStarted.promise.then(() => outbox.send({ topic: 'late', value: 1 }));
      afterCommit = port.commitDone.promise.then(() => new Promise((r) => setImmediate(r))).then(() => outbox.send({ topic: 'late', value: 2 }));
    });
    port.insertDone.open();
    await port.commitStarted.promise;
    await expect(beforeCommit).rejects.toBeInstanceOf(TransactionClosingError);
    port.commitDone.open();
    await committed;
    await expect(afterCommit).rejects.toBeInstanceOf(TransactionClosedError);
    expect(writtenIds(port)).toHaveLength(1);
  });

  it('40 unawaited sends racing the flush: each either throws a typed error or is written', async () => {
    const port = new GatedPort();
    port.insertDone.open();
    port.commitDone.open();
    const outbox = new Outbox(port, { logger: silentLogger, registerAsDefault: false });
    const strays: Array<Promise<string>> = [];
    await outbox.transaction(async () => {
      for (let n = 0; n < 40; n += 1) {
        strays.push(ticks(n).then(() => outbox.send({ topic: 'race', value: n })));
      }
      await ticks(10);
    });
    const outcomes = await Promise.allSettled(strays);
    const written = new Set(writtenIds(port));
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') expect(written.has(outcome.value)).toBe(true);
      else expect([TransactionClosingError, TransactionClosedError].some((type) => outcome.reason instanceof type)).toBe(true);
    }
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(written.size);
  });
});

/** Resolves after `n` turns of the microtask queue. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await Promise.resolve();
}
