import type { SqlStatement } from '../ports.js';

/**
 * Deletes markers older than the retention whose half message is no longer undecided: once the
 * message is READY or ROLLED_BACK nobody reads its marker again (and a local transaction cannot
 * outlive the retention). Markers of HALF rows — parked ones included — are kept.
 */
export function pruneTxMarkers(markerTable: string, outboxTable: string, retentionMs: number): SqlStatement {
  return {
    text:
      `DELETE FROM ${markerTable} AS m WHERE m.created_at < now() - $1::float8 * interval '1 millisecond' ` +
      `AND NOT EXISTS (SELECT 1 FROM ${outboxTable} AS o WHERE o.status = 'HALF' AND o.transaction_id = m.transaction_id)`,
    values: [retentionMs],
  };
}
