import type { SqlStatement } from '../ports.js';

/** Whether the local transaction's marker is committed. */
export function findTxMarker(markerTable: string, transactionId: string): SqlStatement {
  return {
    text: `SELECT 1 AS found FROM ${markerTable} WHERE transaction_id = $1`,
    values: [transactionId],
  };
}
