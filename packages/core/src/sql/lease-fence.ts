/**
 * Relay instances share the outbox by *virtual partitions*: a row belongs to partition
 * `hash(key) mod partitionCount` (rows without a key spread by id), and each partition is leased
 * to at most one instance at a time (table `outbox_relay_lease`). All messages of one key fall
 * into one partition, so one instance at a time publishes a key's messages, in `seq` order.
 *
 * A lease carries a fencing token that grows on every acquisition. Statements that claim or
 * acknowledge rows name the partitions *and tokens* the instance believes it holds; the database
 * checks them against the lease table, so an instance that was paused past its lease (and whose
 * partitions another instance took) can no longer claim or acknowledge anything.
 */
export interface LeaseFence {
  /** Qualified, quoted lease table. */
  leaseTable: string;
  /** This relay instance. */
  instanceId: string;
  /** Number of virtual partitions; every instance must use the same number. */
  partitionCount: number;
  /** Partitions this instance believes it holds ... */
  partitions: readonly number[];
  /** ... and the fencing token of each (bigint as text), same order. */
  tokens: readonly string[];
}

/** Largest positive int4: masks `hashtext` (which may be negative) before the modulo. */
const POSITIVE_INT4_MASK = 2147483647;

/**
 * SQL for the virtual partition of the outbox row aliased `alias`; `countParam` is the number of
 * the bind parameter holding the partition count. Keyed rows hash their key (so every row of a
 * key lands in one partition); rows without a key need no order and spread by id.
 */
export function partitionOf(alias: string, countParam: number): string {
  return `((hashtext(coalesce(${alias}.key, ${alias}.id::text)) & ${POSITIVE_INT4_MASK}) % $${countParam}::int)`;
}

/**
 * A subquery yielding those of the fence's partitions that are still held by this instance with
 * the same token and an unexpired lease (database clock). `lockShare` adds `FOR SHARE`, which
 * keeps another instance from taking the partition until the calling transaction ends.
 * Uses the three bind parameters `first`, `first + 1`, `first + 2`; returns their values.
 */
export function heldPartitions(fence: LeaseFence, first: number, lockShare = false): { text: string; values: unknown[] } {
  return {
    text:
      `SELECT l.partition FROM ${fence.leaseTable} AS l ` +
      `JOIN unnest($${first}::int[], $${first + 1}::bigint[]) AS h(partition, token) ` +
      `ON h.partition = l.partition AND h.token = l.token ` +
      `WHERE l.owner = $${first + 2} AND l.expires_at > clock_timestamp()` +
      (lockShare ? ' FOR SHARE OF l' : ''),
    values: [[...fence.partitions], [...fence.tokens], fence.instanceId],
  };
}
