import type { SqlExecutor } from '../ports.js';
import { halfMessageStatus, resolveHalfMessage, type HalfDecision } from '../sql/resolve-half-message.js';
import { assertHalfDecision } from './half-decision.js';

export type ApplyHalfDecisionResult =
  /** This decision moved the row. */
  | { outcome: 'applied' }
  /** The row had already been decided the same way (by another decider): nothing to do. */
  | { outcome: 'same'; currentStatus: string }
  /** The row had been decided the other way: this decision is rejected. */
  | { outcome: 'conflict'; currentStatus: string }
  /** No row has this id (never written here, or published and deleted by retention): nothing changed. */
  | { outcome: 'missing' };

/** Statuses that mean "it was committed": READY, and what READY becomes. */
const COMMITTED = new Set(['READY', 'PUBLISHED', 'DEAD']);

/** What a row that existed and is gone now became: only published rows are ever deleted (retention). */
const DELETED_AFTER_PUBLISHING = 'PUBLISHED (deleted)';

export interface ApplyHalfDecisionOptions {
  /**
   * The caller has seen this row (it wrote or claimed it), so if it is gone now it was published
   * and deleted by retention — which counts as committed. Without it (an id from outside), a
   * missing row is reported as `missing`: an id that was never written looks the same.
   */
  rowExisted?: boolean;
}

/**
 * Applies COMMIT or ROLLBACK by compare-and-set, and when the row was no longer HALF tells a
 * repeat of the same decision from a conflicting one.
 */
export async function applyHalfDecision(
  executor: SqlExecutor,
  table: string,
  id: string,
  decision: HalfDecision,
  note: string | null,
  options: ApplyHalfDecisionOptions = {},
): Promise<ApplyHalfDecisionResult> {
  assertHalfDecision(decision);
  const moved = await executor.query<{ id: string }>(resolveHalfMessage(table, id, decision, note));
  if (moved.length > 0) return { outcome: 'applied' };
  const [row] = await executor.query<{ status: string }>(halfMessageStatus(table, id));
  if (row) return classifyAfterMiss(decision, row.status);
  return options.rowExisted ? classifyAfterMiss(decision, DELETED_AFTER_PUBLISHING) : { outcome: 'missing' };
}

/** Pure: after a compare-and-set that moved nothing, is the row's status this decision or another? */
export function classifyAfterMiss(decision: HalfDecision, currentStatus: string): ApplyHalfDecisionResult {
  const committed = COMMITTED.has(currentStatus) || currentStatus.startsWith('PUBLISHED');
  const same = decision === 'COMMIT' ? committed : currentStatus === 'ROLLED_BACK';
  return same ? { outcome: 'same', currentStatus } : { outcome: 'conflict', currentStatus };
}
