import { describe, expect, it } from 'vitest';
import { claimReadyBatch } from './claim-ready-batch.js';
import { listDeadMessages, retryAllDeadMessages, retryDeadMessages } from './dead-messages.js';
import { CLEANUP_LOCK_NAMESPACE, deleteExpiredPublished, tryCleanupLock } from './delete-expired-published.js';
import { acquireLeases } from './lease-acquire.js';
import { heldPartitions, partitionOf, type LeaseFence } from './lease-fence.js';
import { heartbeatMember, leaveMembership } from './lease-membership.js';
import { countLeasePartitions, ensureLeasePartitions } from './lease-partitions.js';
import { releaseAllLeases, releaseLeases } from './lease-release.js';
import { renewLeases } from './lease-renew.js';
import { markDead } from './mark-dead.js';
import { deletePublished, markPublished } from './mark-published.js';
import { notifyRelay } from './notify-relay.js';
import { outboxStatusCounts, relayStats } from './relay-stats.js';

const T = '"public"."outbox_message"';
const L = '"public"."outbox_relay_lease"';
const fence: LeaseFence = { leaseTable: L, instanceId: 'relay-a', partitionCount: 32, partitions: [0, 5], tokens: ['7', '9'] };

describe('lease fence', () => {
  it('hashes the key (or the id for keyless rows) into a non-negative partition', () => {
    expect(partitionOf('o', 2)).toBe('((hashtext(coalesce(o.key, o.id::text)) & 2147483647) % $2::int)');
  });

  it('checks owner, token and expiry on the database clock, optionally share-locking', () => {
    const held = heldPartitions(fence, 3);
    expect(held.text).toBe(
      `SELECT l.partition FROM ${L} AS l JOIN unnest($3::int[], $4::bigint[]) AS h(partition, token) ` +
        `ON h.partition = l.partition AND h.token = l.token WHERE l.owner = $5 AND l.expires_at > clock_timestamp()`,
    );
    expect(held.values).toEqual([[0, 5], ['7', '9'], 'relay-a']);
    expect(heldPartitions(fence, 1, true).text).toMatch(/FOR SHARE OF l$/);
  });
});

describe('claimReadyBatch', () => {
  it('claims only validly leased partitions, in seq order, with FOR UPDATE and no SKIP LOCKED', () => {
    const s = claimReadyBatch(T, { limit: 100, fence, holdKeysAfterDead: false });
    expect(s.text).toContain(`FROM ${T} AS o WHERE o.status = 'READY' AND ${partitionOf('o', 2)} = ANY (ARRAY(SELECT l.partition FROM ${L}`);
    expect(s.text).toMatch(/ORDER BY o\.seq LIMIT \$1 FOR UPDATE OF o$/);
    expect(s.text).not.toContain('DEAD');
    expect(s.values).toEqual([100, 32, [0, 5], ['7', '9'], 'relay-a']);
  });

  it('with the hold policy, leaves out rows of a key that has an older DEAD row (found by the hash index, confirmed by the key)', () => {
    const s = claimReadyBatch(T, { limit: 10, fence, holdKeysAfterDead: true });
    expect(s.text).toContain(
      `AND (o.key IS NULL OR NOT EXISTS (SELECT 1 FROM ${T} AS d WHERE d.status = 'DEAD' ` +
        `AND hashtextextended(d.key, 0) = hashtextextended(o.key, 0) AND d.key = o.key AND d.seq < o.seq))`,
    );
    expect(s.values).toHaveLength(5);
  });
});

describe('acknowledgements', () => {
  it('marks published without a fence exactly as before', () => {
    const s = markPublished(T, ['a']);
    expect(s.text).toBe(
      `UPDATE ${T} AS o SET status = 'PUBLISHED', published_at = CURRENT_TIMESTAMP, attempts = o.attempts + 1 ` +
        `WHERE o.id = ANY($1::uuid[]) AND o.status = 'READY'`,
    );
    expect(s.values).toEqual([['a']]);
  });

  it('marks published only in partitions still held, share-locking their leases until commit', () => {
    const s = markPublished(T, ['a', 'b'], fence);
    expect(s.text).toMatch(/^WITH held AS MATERIALIZED \(SELECT l\.partition .* FOR SHARE OF l\) UPDATE /);
    expect(s.text).toContain(`AND ${partitionOf('o', 2)} IN (SELECT partition FROM held)`);
    expect(s.values).toEqual([['a', 'b'], 32, [0, 5], ['7', '9'], 'relay-a']);
  });

  it('deletes (retention "delete") under the same guard and fence', () => {
    const s = deletePublished(T, ['a'], fence);
    expect(s.text).toContain(`DELETE FROM ${T} AS o WHERE o.id = ANY($1::uuid[]) AND o.status = 'READY' AND `);
    expect(s.values).toEqual([['a'], 32, [0, 5], ['7', '9'], 'relay-a']);
  });

  it('parks dead messages with reason and time, fenced', () => {
    const s = markDead(T, [{ id: 'a', error: 'MESSAGE_TOO_LARGE' }], fence);
    expect(s.text).toContain("SET status = 'DEAD', last_error = f.error, parked_at = CURRENT_TIMESTAMP");
    expect(s.text).toContain(`AND ${partitionOf('o', 3)} IN (SELECT partition FROM held)`);
    expect(s.values).toEqual([['a'], ['MESSAGE_TOO_LARGE'], 32, [0, 5], ['7', '9'], 'relay-a']);
  });
});

describe('lease statements', () => {
  it('creates the partitions idempotently and counts them', () => {
    expect(ensureLeasePartitions(L, 32)).toEqual({
      text: `INSERT INTO ${L} (partition) SELECT generate_series(0, $1::int - 1) ON CONFLICT (partition) DO NOTHING`,
      values: [32],
    });
    expect(countLeasePartitions(L).values).toEqual([]);
  });

  it('heartbeats membership and counts live instances including itself', () => {
    const s = heartbeatMember('"m"', { instanceId: 'a', host: 'h', pid: 1 }, 5000);
    expect(s.text).toContain('ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at');
    expect(s.text).toContain('AS live');
    expect(s.values).toEqual(['a', 'h', 1, 5000]);
    expect(leaveMembership('"m"', 'a')).toEqual({ text: 'DELETE FROM "m" WHERE id = $1', values: ['a'] });
  });

  it('renews by partition and token, so a lease another instance took is not renewed', () => {
    const s = renewLeases(L, 'a', [{ partition: 3, token: '4' }], 5000);
    expect(s.text).toContain('WHERE l.partition = h.partition AND l.token = h.token AND l.owner = $1');
    expect(s.values).toEqual(['a', 5000, [3], ['4']]);
  });

  it('acquires free or expired partitions, bumping the fencing token, skipping rows being taken', () => {
    const s = acquireLeases(L, 'a', 4, 5000);
    expect(s.text).toContain('SET owner = $1, token = l.token + 1');
    expect(s.text).toContain('LIMIT $3 FOR UPDATE SKIP LOCKED');
    // The free condition is checked again on the locked row.
    expect(s.text.match(/l\.expires_at <= clock_timestamp\(\)/g)).toHaveLength(2);
    expect(s.values).toEqual(['a', 5000, 4]);
  });

  it('releases guarded by owner and token; releases all at shutdown', () => {
    expect(releaseLeases(L, 'a', [{ partition: 1, token: '2' }]).values).toEqual(['a', [1], ['2']]);
    expect(releaseAllLeases(L, 'a')).toEqual({
      text: `UPDATE ${L} SET owner = NULL, expires_at = NULL WHERE owner = $1 RETURNING partition`,
      values: ['a'],
    });
  });
});

describe('operator and housekeeping statements', () => {
  it('lists dead messages with an optional topic filter as a bind parameter', () => {
    const s = listDeadMessages(T, { topic: "o'rders", limit: 5 });
    expect(s.text).toContain(`FROM ${T} WHERE status = 'DEAD' AND ($1::text IS NULL OR topic = $1) ORDER BY seq LIMIT $2`);
    expect(s.values).toEqual(["o'rders", 5]);
    expect(listDeadMessages(T, { limit: 1 }).values).toEqual([null, 1]);
  });

  it('sends dead messages back to READY guarded by the DEAD state', () => {
    expect(retryDeadMessages(T, ['x']).text).toBe(
      `UPDATE ${T} SET status = 'READY', parked_at = NULL WHERE id = ANY($1::uuid[]) AND status = 'DEAD' RETURNING id::text AS id`,
    );
    expect(retryAllDeadMessages(T).values).toEqual([null]);
  });

  it('cleans up in bounded batches under a try-lock', () => {
    expect(tryCleanupLock(T)).toEqual({
      text: `SELECT pg_try_advisory_xact_lock(${CLEANUP_LOCK_NAMESPACE}, hashtext($1)) AS locked`,
      values: [T],
    });
    const s = deleteExpiredPublished(T, 60_000, 1000);
    expect(s.text).toContain("WHERE status = 'PUBLISHED' AND published_at < clock_timestamp() - $1::bigint * interval '1 millisecond'");
    expect(s.text).toContain('ORDER BY published_at LIMIT $2');
    expect(s.values).toEqual([60_000, 1000]);
  });

  it('nudges with pg_notify, channel and payload bound', () => {
    expect(notifyRelay('ch')).toEqual({ text: 'SELECT pg_notify($1::text, $2::text)', values: ['ch', 'messages'] });
  });

  it('reads every gauge in one statement', () => {
    const s = relayStats(T);
    for (const column of ['pending', 'dead', 'oldest_pending_age_seconds', 'hwm_lag_seconds', 'key_lock_oldest_holder_seconds', 'key_lock_waiters', 'xmin_horizon_age_seconds']) {
      expect(s.text).toContain(` AS ${column}`);
    }
    expect(s.values).toEqual([]);
  });

  it('counts the rows per status, and the parked ones, in one statement', () => {
    expect(outboxStatusCounts(T)).toEqual({
      text: `SELECT status, count(*)::int AS count, count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked FROM ${T} GROUP BY status`,
      values: [],
    });
  });
});
