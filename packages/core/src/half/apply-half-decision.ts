import type { SqlExecutor } from '../ports.js';
import { halfMessageStatus, resolveHalfMessage, type HalfDecision } from '../sql/resolve-half-message.js';

export type ApplyHalfDecisionResult =
  /** This decision moved the row. */
  | { outcome: 'applied' }
  /** The row had already been decided the same way (by another decider): nothing to do. */
  | { outcome: 'same'; currentStatus: string }
  /** The row had been decided the other way: this decision is rejected. */
  | { outcome: 'conflict'; currentStatus: string };

/** Statuses that mean "it was committed": READY, and what READY becomes. */
const COMMITTED = new Set(['READY', 'PUBLISHED', 'DEAD']);

/**
 * Applies COMMIT or ROLLBACK by compare-and-set, and when the row was no longer HALF tells a
 * repeat of the same decision from a conflicting one. A missing row counts as committed: the only
 * way a HALF row disappears is being published and deleted (retention `delete`).
 */
export async function applyHalfDecision(
  executor: SqlExecutor,
  table: string,
  id: string,
  decision: HalfDecision,
  note: string | null,
): Promise<ApplyHalfDecisionResult> {
  const moved = await executor.query<{ id: string }>(resolveHalfMessage(table, id, decision, note));
  if (moved.length > 0) return { outcome: 'applied' };
  const [row] = await executor.query<{ status: string }>(halfMessageStatus(table, id));
  const currentStatus = row?.status ?? 'PUBLISHED (deleted)';
  return classifyAfterMiss(decision, currentStatus);
}

/** Pure: after a compare-and-set that moved nothing, is the row's status this decision or another? */
export function classifyAfterMiss(decision: HalfDecision, currentStatus: string): ApplyHalfDecisionResult {
  const committed = COMMITTED.has(currentStatus) || currentStatus.startsWith('PUBLISHED');
  const same = decision === 'COMMIT' ? committed : currentStatus === 'ROLLED_BACK';
  return same ? { outcome: 'same', currentStatus } : { outcome: 'conflict', currentStatus };
}
