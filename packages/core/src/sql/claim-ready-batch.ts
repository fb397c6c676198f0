import type { SqlStatement } from '../ports.js';
import { keyHash } from './key-hash.js';
import { heldPartitions, partitionOf, type LeaseFence } from './lease-fence.js';
import type { MessageRow } from './message-row.js';

/** A row as the claim statement returns it (column aliases are the property names). */
export interface ClaimedRow extends MessageRow {
  seq: string;
  attempts: number;
}

export interface ClaimReadyBatchOptions {
  /** Most rows to claim. */
  limit: number;
  /** Claim only rows of the partitions this instance validly leases. */
  fence: LeaseFence;
  /**
   * Dead-key policy `hold`: leave out rows of a key that has an older DEAD row, so a key's later
   * messages never overtake a parked one. (Uses the partial index on (hash of key, seq) of DEAD
   * rows, `<table>_dead_key_hash_idx`.)
   */
  holdKeysAfterDead: boolean;
}

const COLUMNS =
  `o.id::text AS id, o.seq::text AS seq, o.topic, o.key, o.payload::text AS payload_json, o.payload_bytes, o.type, ` +
  `o.headers::text AS headers_json, o.producer_group, o.created_at, o.attempts`;

/**
 * Locks up to `limit` READY rows of the partitions this instance leases, in `seq` order, for the
 * calling transaction.
 *
 * Deliberately NOT `SKIP LOCKED`: a row of one of our partitions that is locked can only belong
 * to a previous owner's batch still in flight (an instance paused past its lease). Skipping it
 * would let us publish a LATER row of the same key first; waiting (bounded by lock_timeout, and
 * the previous owner's session by idle_in_transaction_session_timeout) keeps per-key order.
 * Within one instance's partitions there is no contention, so nothing is lost by not skipping.
 *
 * The payload is read back as text so the relay forwards it without a parse/stringify round.
 */
export function claimReadyBatch(table: string, options: ClaimReadyBatchOptions): SqlStatement {
  const held = heldPartitions(options.fence, 3);
  const hold = options.holdKeysAfterDead
    ? // The hashes match the index's expression (the planner then uses it); the keys rule out collisions.
      ` AND (o.key IS NULL OR NOT EXISTS (SELECT 1 FROM ${table} AS d ` +
      `WHERE d.status = 'DEAD' AND ${keyHash('d.key')} = ${keyHash('o.key')} AND d.key = o.key AND d.seq < o.seq))`
    : '';
  return {
    text:
      `SELECT ${COLUMNS} FROM ${table} AS o ` +
      `WHERE o.status = 'READY' AND ${partitionOf('o', 2)} = ANY (ARRAY(${held.text}))${hold} ` +
      `ORDER BY o.seq LIMIT $1 FOR UPDATE OF o`,
    values: [options.limit, options.fence.partitionCount, ...held.values],
  };
}
