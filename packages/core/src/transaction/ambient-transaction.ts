import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransactionScope } from './transaction-scope.js';

/**
 * The ambient transaction lives in AsyncLocalStorage, so code called from a transactional method
 * can send messages and run queries without passing a transaction around.
 *
 * The storage is kept on globalThis under a registered symbol: if an application ends up with two
 * copies of @outboxkit/core (its ESM and its CommonJS build side by side, a bundler, a nested
 * install), both still see the same transaction. The key's `.v1` names the shape of what is
 * stored: a release that changes it changes the key, so two copies that disagree fail loudly
 * (no transaction) instead of misreading each other's state. Every process-wide holder of the
 * core follows this rule (default outbox, registries, half-message and savepoint contexts).
 */
const STORAGE_KEY = Symbol.for('outboxkit.ambient-transaction.v1');

type Store = AsyncLocalStorage<TransactionScope>;

function storage(): Store {
  const holder = globalThis as unknown as Record<symbol, Store | undefined>;
  let existing = holder[STORAGE_KEY];
  if (!existing) {
    existing = new AsyncLocalStorage<TransactionScope>();
    holder[STORAGE_KEY] = existing;
  }
  return existing;
}

/**
 * The transaction of the current async context, if any: the innermost one, or with `owner` the
 * innermost one that outbox opened. Transactions of different outboxes (two databases, say) can be
 * open around one call at once; each outbox must find its own, never another's, or its writes and
 * messages would land in the other's database.
 */
export function currentScope(owner?: object): TransactionScope | undefined {
  // Closed scopes are returned too, so a late caller gets "transaction closed", not "no transaction".
  let scope = storage().getStore();
  if (owner === undefined) return scope;
  while (scope !== undefined && scope.owner !== owner) scope = scope.parent;
  return scope;
}

export function runInScope<T>(scope: TransactionScope, work: () => Promise<T>): Promise<T> {
  return storage().run(scope, work);
}

/** Runs `work` with no ambient transaction (for work that must not join the caller's). */
export function runOutsideScope<T>(work: () => T): T {
  return storage().exit(work);
}
