import { RollbackOnlyError } from '../errors.js';
import { runInFrame } from './savepoint-frame.js';
import type { TransactionScope } from './transaction-scope.js';

/**
 * Propagation 'required' inside an open transaction: the work runs as part of it. If the work
 * throws, the level it joined becomes rollback-only, so a caller that catches the failure and
 * returns cannot commit half of the work (docs/guarantees.md §4.8).
 */
export async function runJoined<T>(scope: TransactionScope, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    scope.markRollbackOnly(error);
    throw error;
  }
}

/**
 * Propagation 'nested' inside an open transaction: the work runs behind a savepoint. If it throws
 * — or a joined call inside it failed and was caught — the database rolls back to the savepoint
 * and the messages and after-commit hooks added since are dropped, so the inner writes and the
 * inner messages are undone together; the transaction around it goes on (docs/guarantees.md §4.8).
 *
 * Messages are only ever written at the outermost commit, so "dropped from the buffer" is all it
 * takes for them: none of them has reached the database yet.
 */
export async function runNested<T>(scope: TransactionScope, work: () => Promise<T>): Promise<T> {
  const frame = await scope.beginSavepoint();
  let value: T;
  try {
    value = await runInFrame(frame, work);
  } catch (error) {
    await scope.rollbackToSavepoint(frame);
    throw error;
  }
  if (frame.rollbackCause) {
    await scope.rollbackToSavepoint(frame);
    throw new RollbackOnlyError(frame.rollbackCause.error);
  }
  await scope.releaseSavepoint(frame);
  return value;
}
