import type { SqlStatement } from '../ports.js';
import type { MessageRow } from './message-row.js';

/** A half message as the back-check reads it (column aliases are the property names). */
export interface DueHalfRow extends MessageRow {
  transaction_id: string | null;
  check_count: number;
  marker_check: boolean;
}

export interface ClaimDueHalfOptions {
  /** Most rows per claim. */
  limit: number;
  /** Age before a row without its own `next_check_at` is checked the first time, ms. */
  immunityMs: number;
  /** How long the claim keeps other relays off the rows, ms: the check must end within it. */
  leaseMs: number;
}

/**
 * Claims the half messages due for a check: `HALF`, not parked, and either past their own
 * `next_check_at` or — never checked and with none set — older than the check immunity.
 *
 * The claim is a LEASE, not a held row lock: `FOR UPDATE SKIP LOCKED` picks rows no other relay is
 * claiming right now, and the same statement pushes their `next_check_at` out by `leaseMs`, so
 * another relay does not pick them again while this one asks the checker — without a database
 * transaction staying open across the checker's HTTP round trip. A relay that dies mid-check
 * leaves the rows to be checked again when the lease runs out. Claiming uses no check.
 */
export function claimDueHalfMessages(table: string, options: ClaimDueHalfOptions): SqlStatement {
  return {
    text:
      `WITH due AS (SELECT id FROM ${table} WHERE status = 'HALF' AND parked_at IS NULL AND (next_check_at <= now() ` +
      `OR (next_check_at IS NULL AND created_at <= now() - $2::float8 * interval '1 millisecond')) ` +
      `ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED) ` +
      `UPDATE ${table} AS o SET next_check_at = now() + $3::float8 * interval '1 millisecond' FROM due ` +
      `WHERE o.id = due.id AND o.status = 'HALF' ` +
      `RETURNING o.id::text AS id, o.topic, o.key, o.payload::text AS payload_json, o.payload_bytes, o.type, ` +
      `o.headers::text AS headers_json, o.producer_group, o.transaction_id, o.check_count, o.marker_check, o.created_at`,
    values: [options.limit, options.immunityMs, options.leaseMs],
  };
}
