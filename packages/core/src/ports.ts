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

export interface TransactionOptions {
  /** Longest the transaction may run before the database adapter aborts it, in ms. */
  timeoutMs?: number;
  /** Longest to wait for a connection, in ms. */
  maxWaitMs?: number;
  isolationLevel?: IsolationLevel;
}

/** What the adapter hands to the core for the life of one transaction. */
export interface TransactionHandle<TClient = unknown> {
  /** Raw SQL on the transaction, for the outbox's own statements. */
  executor: SqlExecutor;
  /** The adapter's transaction-bound client (a Prisma transaction client, for example). */
  client: TClient;
}

/** Opens database transactions: commits when `work` resolves, rolls back when it throws. */
export interface TransactionPort<TClient = unknown> {
  runInTransaction<T>(work: (handle: TransactionHandle<TClient>) => Promise<T>, options?: TransactionOptions): Promise<T>;
}
