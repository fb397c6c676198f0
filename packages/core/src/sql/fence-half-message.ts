import type { SqlStatement } from '../ports.js';

/**
 * The marker check's ROLLBACK, made race-free. Once the local transaction's deadline has passed and
 * no marker is visible, the check inserts the marker ITSELF and, in the same statement, rolls the
 * half message back. Three cases:
 *
 * - no local transaction is running: the insert succeeds, the row becomes ROLLED_BACK, and a local
 *   transaction that still turns up later finds the marker taken and cannot commit
 *   (insert-tx-marker.ts) — so nothing can contradict the decision;
 * - the local transaction is still running (it inserted its marker first thing): PostgreSQL makes
 *   this insert wait for it. If it commits, the insert does nothing, no row is returned, and the
 *   caller reads the marker again (a new statement, a new snapshot) and commits. If it rolls back,
 *   the insert succeeds and the row is rolled back;
 * - the marker is committed: nothing happens; the caller commits.
 *
 * One statement, so the fence and the rollback commit together: a marker with a HALF row always
 * means "the local transaction committed".
 */
export function fenceHalfMessage(
  outboxTable: string,
  markerTable: string,
  id: string,
  transactionId: string,
  note: string,
): SqlStatement {
  return {
    text:
      `WITH fence AS (INSERT INTO ${markerTable} (transaction_id) VALUES ($2) ` +
      `ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id) ` +
      `UPDATE ${outboxTable} SET status = 'ROLLED_BACK', next_check_at = NULL, parked_at = NULL, last_error = $3 ` +
      `WHERE id = $1::uuid AND status = 'HALF' AND EXISTS (SELECT 1 FROM fence) RETURNING id::text AS id`,
    values: [id, transactionId, note],
  };
}
