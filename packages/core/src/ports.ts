/**
 * The seams between the core and the outside world. Adapters (Prisma, pg, Kafka) implement these;
 * the core never imports a driver.
 */

/** A parameterised SQL statement: every value is a bind parameter, never pasted into text. */
export interface SqlStatement {
  text: string;
  values: readonly unknown[];
}

/** Runs statements on one connection or transaction. */
export interface SqlExecutor {
  /** Runs a statement that returns rows. */
  query<Row = Record<string, unknown>>(statement: SqlStatement): Promise<Row[]>;
  /** Runs a statement and returns the number of rows it affected. */
  execute(statement: SqlStatement): Promise<number>;
}

export type IsolationLevel = 'ReadCommitted' | 'RepeatableRead' | 'Serializable';

/**
 * How a transactional call made while a transaction is open relates to it (docs/guarantees.md §4.8):
 *
 * - `required` (default): joins it. If the call fails and the failure is caught, the transaction
 *   can no longer commit: its commit throws RollbackOnlyError and everything rolls back.
 * - `nested`: joins it behind a savepoint. If the call fails, its writes and the messages it sent
 *   are undone and the transaction around it goes on. Needs an adapter with savepoints.
 * - `requiresNew`: runs in a transaction of its own, on its own connection, committed (or rolled
 *   back) when the call returns, whatever the transaction around it does later.
 *
 * Without an open transaction all three open one.
 */
export type TransactionPropagation = 'required' | 'nested' | 'requiresNew';

export interface TransactionOptions {
  /** Longest the transaction may run before the database adapter aborts it, in ms. */
  timeoutMs?: number;
  /** Longest to wait for a connection, in ms. */
  maxWaitMs?: number;
  isolationLevel?: IsolationLevel;
  /**
   * What to do when a transaction is already open. Default `'required'` (join it). The other
   * options apply only when a transaction is opened, never to a joined one.
   */
  propagation?: TransactionPropagation;
}

/**
 * Savepoints on one transaction, for propagation 'nested'. Names come from the core and match
 * `[a-z_][a-z0-9_]*` (at most 63 characters); an adapter should still refuse any other name.
 */
export interface Savepoints {
  /** `SAVEPOINT name` */
  create(name: string): Promise<void>;
  /** `ROLLBACK TO SAVEPOINT name`: undoes what ran since, keeps the transaction usable. */
  rollbackTo(name: string): Promise<void>;
  /** `RELEASE SAVEPOINT name`: keeps what ran since, as part of the transaction. */
  release(name: string): Promise<void>;
}

/** What the adapter hands to the core for the life of one transaction. */
export interface TransactionHandle<TClient = unknown> {
  /** Raw SQL on the transaction, for the outbox's own statements. */
  executor: SqlExecutor;
  /** The adapter's transaction-bound client (a Prisma transaction client, for example). */
  client: TClient;
  /** Savepoints, when the adapter supports them; without them propagation 'nested' is refused. */
  savepoints?: Savepoints;
}

/** Opens database transactions: commits when `work` resolves, rolls back when it throws. */
export interface TransactionPort<TClient = unknown> {
  runInTransaction<T>(work: (handle: TransactionHandle<TClient>) => Promise<T>, options?: TransactionOptions): Promise<T>;
}
