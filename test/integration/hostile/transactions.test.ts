import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DecoratorMisuseError,
  HalfMessageInTransactionError,
  InvalidTransactionOptionsError,
  NestedTransactionError,
  NoActiveTransactionError,
  Outbox,
  OutboxError,
  RollbackOnlyError,
  send,
  silentLogger,
  Transactional,
  transactional,
  TransactionClosedError,
  TransactionClosingError,
} from '@outboxkit/core';
import type { TransactionPort } from '@outboxkit/core/internal';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';

/**
 * Hostile and mistaken use of transactions: sends and hooks outside or after their transaction,
 * options of the wrong kind, decorators in the wrong place, nested calls misused. Each is refused
 * with a typed error (class and code) whose message says what was wrong and what to do, and
 * nothing reaches the database. (docs/guarantees.md §4.7, §4.8)
 */
let db: OutboxTestDatabase;

beforeAll(async () => {
  db = await openOutboxTestDatabase('ok_hostile_tx');
});

afterAll(async () => {
  await closeOutboxTestDatabase(db ?? {});
});

type ErrorClass = abstract new (...args: never[]) => OutboxError;

/** Everything a case could have written. */
async function counts() {
  return { messages: await db.prisma.outboxMessage.count(), orders: await db.prisma.order.count() };
}

/** What `run` threw or rejected with (undefined when it succeeded). */
async function thrownBy(run: () => unknown): Promise<unknown> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return error;
  }
}

function order(sku: string) {
  return db.outbox.client.order.create({ data: { id: randomUUID(), customer: 'hostile', sku, quantity: 1 } });
}

/** Resolves after `n` microtask turns: no database answer can arrive in between. */
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await Promise.resolve();
}

/**
 * Runs a transaction that sends nothing itself and hands `late` to unawaited work that runs once
 * the transaction has committed; rejects with what that work threw.
 */
async function afterCommit(late: () => unknown): Promise<unknown> {
  let committed!: () => void;
  const done = new Promise<void>((resolve) => {
    committed = resolve;
  });
  let stray: Promise<unknown> | undefined;
  await db.outbox.transaction(async () => {
    // Registered inside the transaction (so it runs in its async context), released after it.
    stray = done.then(late);
    stray.catch(() => undefined);
  });
  committed();
  return stray;
}

/** Like afterCommit, but `late` runs while the transaction's messages are being written. */
async function duringFlush(late: () => unknown): Promise<unknown> {
  let stray: Promise<unknown> | undefined;
  await db.outbox.transaction(async () => {
    await order('on-time');
    send({ topic: 'hostile.on-time', value: 1 });
    stray = ticks(40).then(late);
    stray.catch(() => undefined);
  });
  await db.prisma.outboxMessage.deleteMany({ where: { topic: 'hostile.on-time' } });
  await db.prisma.order.deleteMany({ where: { sku: 'on-time' } });
  return stray;
}

const invalidOption = [InvalidTransactionOptionsError, 'OUTBOX_INVALID_TRANSACTION_OPTIONS'] as const;

const CASES: Array<[string, () => unknown, ErrorClass, string, RegExp, RegExp]> = [
  // ---- outside or after the transaction ----
  ['send() outside any transaction', () => send({ topic: 'hostile', value: 1 }), NoActiveTransactionError, 'OUTBOX_NO_TRANSACTION', /Cannot send a message outside an outbox transaction/, /@Transactional\(\), or inside outbox\.transaction/],
  ['outbox.send() outside any transaction', () => db.outbox.send({ topic: 'hostile', value: 1 }), NoActiveTransactionError, 'OUTBOX_NO_TRANSACTION', /outside an outbox transaction/, /Call it from a method decorated with @Transactional/],
  ['afterCommit() outside any transaction', () => db.outbox.afterCommit(() => undefined), NoActiveTransactionError, 'OUTBOX_NO_TRANSACTION', /Cannot register an after-commit hook outside/, /@Transactional\(\)/],
  ['transactionClient() outside any transaction', () => db.outbox.transactionClient(), NoActiveTransactionError, 'OUTBOX_NO_TRANSACTION', /Cannot use the transaction client outside/, /outbox\.transaction/],
  ['send() from a stray promise after the commit', () => afterCommit(() => send({ topic: 'hostile', value: 1 })), TransactionClosedError, 'OUTBOX_TRANSACTION_CLOSED', /already committed or rolled back/, /Await every call made inside a transactional method/],
  ['afterCommit() from a stray promise after the commit', () => afterCommit(() => db.outbox.afterCommit(() => undefined)), TransactionClosedError, 'OUTBOX_TRANSACTION_CLOSED', /Cannot register an after-commit hook: its transaction has already committed/, /Await every call/],
  ['transactionClient() from a stray promise after the commit', () => afterCommit(() => db.outbox.transactionClient()), TransactionClosedError, 'OUTBOX_TRANSACTION_CLOSED', /Cannot use the transaction client/, /Await every call/],
  ['a model call from a stray promise after the commit', () => afterCommit(() => order('late')), TransactionClosedError, 'OUTBOX_TRANSACTION_CLOSED', /Cannot run Order\.create/, /Await every call/],
  ['send() from a stray promise while the messages are being written', () => duringFlush(() => send({ topic: 'hostile', value: 1 })), TransactionClosingError, 'OUTBOX_TRANSACTION_CLOSING', /already committing/, /Await every call made inside a transactional method/],
  ['afterCommit() from a stray promise while the messages are being written', () => duringFlush(() => db.outbox.afterCommit(() => undefined)), TransactionClosingError, 'OUTBOX_TRANSACTION_CLOSING', /Cannot register an after-commit hook: its transaction is already committing/, /Await every call/],
  ['a model call from a stray promise while the messages are being written', () => duringFlush(() => order('late')), TransactionClosingError, 'OUTBOX_TRANSACTION_CLOSING', /Cannot run Order\.create: its transaction is already committing/, /Await every call/],

  // ---- options of the wrong kind, refused where they are given ----
  ['an unknown propagation in @Transactional (at decoration time)', () => Transactional({ propagation: 'mandatory' as never }), ...invalidOption, /propagation: must be one of 'required', 'nested', 'requiresNew', got "mandatory"/, /'nested' joins it behind a savepoint/],
  ['an unknown propagation in outbox.transaction', () => db.outbox.transaction(() => order('never'), { propagation: 'NESTED' as never }), ...invalidOption, /got "NESTED"/, /'required' joins an open transaction/],
  ['a negative timeoutMs', () => Transactional({ timeoutMs: -5 }), ...invalidOption, /timeoutMs: must be a positive number of milliseconds, got -5/, /Leave it out to use the default/],
  ['a NaN timeoutMs', () => db.outbox.transaction(() => order('never'), { timeoutMs: Number.NaN }), ...invalidOption, /timeoutMs: .*got NaN/, /Leave it out/],
  ['a timeoutMs given as a string', () => transactional(async () => undefined, { timeoutMs: '5000' as never }), ...invalidOption, /timeoutMs: .*got "5000"/, /positive number of milliseconds/],
  ['an infinite maxWaitMs', () => db.outbox.transaction(() => order('never'), { maxWaitMs: Number.POSITIVE_INFINITY }), ...invalidOption, /maxWaitMs: .*got Infinity/, /Leave it out/],
  ["Prisma's option name timeout instead of timeoutMs", () => Transactional({ timeout: 5000 } as never), ...invalidOption, /timeout: is not a transaction option \(outboxkit spells it timeoutMs\)/, /Use timeoutMs, maxWaitMs, isolationLevel, propagation, outbox/],
  ['an unknown isolation level', () => db.outbox.transaction(() => order('never'), { isolationLevel: 'SERIALIZABLE' as never }), ...invalidOption, /isolationLevel: must be one of/, /'Serializable'/],
  ['options that are not an object (@Transactional("nested"))', () => Transactional('nested' as never), ...invalidOption, /options: must be an object .* got "nested"/, /\{ propagation: 'nested', timeoutMs: 5000 \}/],
  ['an outbox option that is not an Outbox', () => Transactional({ outbox: 'main' as never }), ...invalidOption, /outbox: must be an Outbox or a function returning one/, /\{ outbox: \(\) => outbox \}/],
  ['outbox.transaction without a function', () => db.outbox.transaction('work' as never), ...invalidOption, /work: must be a function returning a promise, got string/, /outbox\.transaction\(async \(\) =>/],
  ['transactional() without a function', () => transactional(undefined as never), ...invalidOption, /fn: must be the function to wrap, got undefined/, /transactional\(async \(\.\.\.args\) =>/],
  ['an afterCommit hook that is not a function', () => db.outbox.transaction(async () => db.outbox.afterCommit('notify' as never)), ...invalidOption, /afterCommit hook: must be a function, got string/, /outbox\.afterCommit\(\(\) =>/],
  ['propagation as an Outbox-wide default', () => new Outbox({} as TransactionPort, { logger: silentLogger, registerAsDefault: false, transaction: { propagation: 'nested' } as never }), ...invalidOption, /transaction\.propagation: cannot be an Outbox-wide default/, /pass it where the transaction is started/],

  // ---- decorators in the wrong place ----
  ['@Transactional on a property (legacy decorators)', () => Transactional()({}, 'total', undefined), DecoratorMisuseError, 'OUTBOX_DECORATOR_MISUSE', /can only decorate methods, and it was put on a property "total"/, /Put it on a method of a class/],
  ['@Transactional on a field (TC39 decorators)', () => Transactional()(undefined, { kind: 'field', name: 'total' }), DecoratorMisuseError, 'OUTBOX_DECORATOR_MISUSE', /put on a field "total"/, /Put it on a method/],
  ['@Transactional on a getter (legacy decorators)', () => Transactional()({}, 'total', { get: () => 1, configurable: true }), DecoratorMisuseError, 'OUTBOX_DECORATOR_MISUSE', /put on an accessor "total"/, /Put it on a method/],

  // ---- nested calls misused ----
  [
    'a caught failure of a joined call, then a commit',
    () =>
      db.outbox.transaction(async () => {
        await order('outer');
        await db.outbox.transaction(async () => {
          await order('inner');
          throw new Error('inner declined');
        }).catch(() => undefined);
      }),
    RollbackOnlyError,
    'OUTBOX_ROLLBACK_ONLY',
    /a call that joined it failed \(Error: inner declined\) and the failure was caught/,
    /Let the error propagate, or give the inner call its own boundary: propagation: 'nested'/,
  ],
  [
    "two 'nested' calls run side by side (Promise.all)",
    () =>
      db.outbox.transaction(async () => {
        await Promise.all(['a', 'b'].map((sku) => db.outbox.transaction(() => order(sku), { propagation: 'nested' })));
      }),
    NestedTransactionError,
    'OUTBOX_NESTED_TRANSACTION',
    /a nested transaction \(propagation 'nested'\) of this transaction is running alongside this call/,
    /Await each nested call .* \(no Promise\.all over nested calls\)/,
  ],
  [
    "a 'nested' call left running when its transaction returns",
    () =>
      db.outbox.transaction(async () => {
        void db.outbox.transaction(() => order('left running'), { propagation: 'nested' }).catch(() => undefined);
        await ticks(5);
      }),
    NestedTransactionError,
    'OUTBOX_NESTED_TRANSACTION',
    /was still running when the transaction around it finished, so it was rolled back/,
    /Await every nested call/,
  ],
  [
    "sendHalf inside a 'nested' call",
    () =>
      db.outbox.transaction(() =>
        db.outbox.transaction(() => db.outbox.sendHalf({ topic: 'hostile', value: 1, producerGroup: 'g' }, async () => 'COMMIT'), { propagation: 'nested' }),
      ),
    HalfMessageInTransactionError,
    'OUTBOX_HALF_IN_TRANSACTION',
    /cannot be sent inside an outbox transaction/,
    /Call sendHalf outside the transaction/,
  ],
];

describe('hostile use of transactions is refused with a typed, explained error and writes nothing', () => {
  it.each(CASES)('%s', async (_label, run, type, code, wrong, todo) => {
    const before = await counts();
    const error = await thrownBy(run);
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(OutboxError);
    expect(error).toMatchObject({ code, name: type.name });
    expect((error as Error).message).toMatch(wrong);
    expect((error as Error).message).toMatch(todo);
    expect(await counts()).toEqual(before);
  });

  it(`has at least 30 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });
});
