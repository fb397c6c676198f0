import type { SqlStatement } from '../ports.js';
import { KEY_LOCK_NAMESPACE } from './insert-messages.js';

/** What the relay's gauges show, read in one round trip when /metrics is scraped. */
export interface RelayStatsRow {
  pending: number;
  dead: number;
  oldest_pending_age_seconds: number | null;
  hwm_lag_seconds: number | null;
  key_lock_oldest_holder_seconds: number | null;
  key_lock_waiters: number;
  xmin_horizon_age_seconds: number | null;
}

/**
 * - pending / dead: READY / DEAD rows.
 * - oldest pending age: now − created_at of the oldest READY row.
 * - high-water-mark lag: now − created_at of the READY row with the LOWEST seq, i.e. how far the
 *   published prefix of the outbox trails behind (what an id-cursor relay's mark would lag by).
 * - key lock holder / waiters: the writer-side cost of the per-key commit-order lock: age of the
 *   oldest transaction holding an outbox key lock, and how many writers wait for one. A long
 *   transaction that sent a message stalls later writers of the same key, never the relay.
 * - xmin horizon age: age of the oldest transaction holding back vacuum in this database; while
 *   it lasts, dead row versions of claimed/acknowledged rows pile up and claims slow down.
 */
export function relayStats(table: string): SqlStatement {
  return {
    text:
      `SELECT (SELECT count(*) FROM ${table} WHERE status = 'READY')::int AS pending, ` +
      `(SELECT count(*) FROM ${table} WHERE status = 'DEAD')::int AS dead, ` +
      `(SELECT extract(epoch FROM clock_timestamp() - min(created_at)) FROM ${table} WHERE status = 'READY')::float8 AS oldest_pending_age_seconds, ` +
      `(SELECT extract(epoch FROM clock_timestamp() - created_at) FROM ${table} WHERE status = 'READY' ORDER BY seq LIMIT 1)::float8 AS hwm_lag_seconds, ` +
      `(SELECT extract(epoch FROM clock_timestamp() - min(a.xact_start)) FROM pg_locks k JOIN pg_stat_activity a ON a.pid = k.pid ` +
      `WHERE k.locktype = 'advisory' AND k.classid = ${KEY_LOCK_NAMESPACE} AND k.objsubid = 2 AND k.granted AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database()))::float8 AS key_lock_oldest_holder_seconds, ` +
      `(SELECT count(*) FROM pg_locks k WHERE k.locktype = 'advisory' AND k.classid = ${KEY_LOCK_NAMESPACE} AND k.objsubid = 2 AND NOT k.granted ` +
      `AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database()))::int AS key_lock_waiters, ` +
      `(SELECT extract(epoch FROM clock_timestamp() - min(xact_start)) FROM pg_stat_activity ` +
      `WHERE backend_xmin IS NOT NULL AND datname = current_database() AND pid <> pg_backend_pid())::float8 AS xmin_horizon_age_seconds`,
    values: [],
  };
}

/** One status of the outbox, its rows and how many of them are parked. */
export interface OutboxStatusCountRow {
  status: string;
  count: number;
  /** Rows with `parked_at` set: HALF rows whose checks ran out (DEAD rows carry it too). */
  parked: number;
}

/**
 * Rows per status, for an operator's overview (`OutboxAdmin.stats`). It counts every row, the
 * published ones kept by retention included, so it is a scan of the table: an operator's call,
 * not something for the relay's scrape (relayStats reads only the READY and DEAD rows).
 */
export function outboxStatusCounts(table: string): SqlStatement {
  return {
    text:
      `SELECT status, count(*)::int AS count, count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked ` +
      `FROM ${table} GROUP BY status`,
    values: [],
  };
}
