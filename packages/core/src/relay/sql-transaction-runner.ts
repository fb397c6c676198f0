import type { SqlExecutor } from '../ports.js';

export interface SqlTransactionOptions {
  /**
   * Settings local to this transaction (`SET LOCAL name = value`), applied before `work` runs.
   * Names are PostgreSQL setting names and values plain words or numbers with a unit
   * (`[A-Za-z0-9_.]`): a runner may send them as literals, in the same round trip as `BEGIN`, and
   * must refuse anything else.
   */
  settings?: Readonly<Record<string, string>>;
}

/** Runs `work` in a database transaction on a connection of the relay's own. */
export interface SqlTransactionRunner {
  transaction<T>(work: (executor: SqlExecutor) => Promise<T>, options?: SqlTransactionOptions): Promise<T>;
}
