import type { SqlStatement } from '../ports.js';

/**
 * The FIRST statement of a half message's local transaction when that transaction runs in the
 * outbox's database: it commits with the local work, or vanishes with it. `ON CONFLICT DO NOTHING`
 * (not a caught unique violation, which would abort the transaction): 0 rows means the back-check
 * already fenced this transaction id off (see fence-half-message.ts) and the local work must not
 * commit.
 *
 * Inserting the marker first also makes a concurrent back-check wait for this transaction to end
 * instead of guessing while it is still running.
 */
export function insertTxMarker(markerTable: string, transactionId: string): SqlStatement {
  return {
    text: `INSERT INTO ${markerTable} (transaction_id) VALUES ($1) ON CONFLICT (transaction_id) DO NOTHING`,
    values: [transactionId],
  };
}
