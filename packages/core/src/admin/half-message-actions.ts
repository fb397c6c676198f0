import { applyHalfDecision } from '../half/apply-half-decision.js';
import { assertHalfDecision } from '../half/half-decision.js';
import type { SqlExecutor } from '../ports.js';
import { positiveInteger } from '../setting-checks.js';
import { listHalfMessages, type HalfMessageRow } from '../sql/list-half-messages.js';
import { resumeHalfChecks } from '../sql/resume-half-checks.js';
import { halfMessageStatus, type HalfDecision } from '../sql/resolve-half-message.js';
import { assertActionIds, nullableRowDate, rowDate } from './action-ids.js';

/** An undecided half message, for operators. */
export interface HalfMessageSummary {
  id: string;
  topic: string;
  key: string | null;
  producerGroup: string | null;
  transactionId: string | null;
  checkCount: number;
  markerCheck: boolean;
  parked: boolean;
  parkedAt: Date | null;
  nextCheckAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  ageMs: number;
}

export type AdminActionResult =
  | { id: string; ok: true }
  /** `status`: the row's status (already decided), or `NOT_FOUND`. */
  | { id: string; ok: false; status: string };

/** The operator's actions on half messages (`OutboxAdmin.half`). */
export interface HalfMessageActions {
  /** Undecided half messages, oldest first (default limit 100). */
  list(options?: { limit?: number }): Promise<HalfMessageSummary[]>;
  /** Only the parked ones (their checks ran out): they wait for an operator. */
  parked(options?: { limit?: number }): Promise<HalfMessageSummary[]>;
  /** Checks these messages again now, with a fresh budget of checks. */
  resume(ids: readonly string[]): Promise<AdminActionResult[]>;
  /** Commits these half messages (they get published) and nudges the relays. */
  commit(ids: readonly string[]): Promise<AdminActionResult[]>;
  /** Rolls these half messages back (never published). */
  rollback(ids: readonly string[]): Promise<AdminActionResult[]>;
}

/**
 * Every change is the same compare-and-set the producer and the checker use
 * (applyHalfDecision), so an operator can decide an undecided message but never overturn a
 * decision: a late conflicting one is refused with the row's status.
 */
export function halfMessageActions(executor: SqlExecutor, table: string, nudgeRelays: () => Promise<void>): HalfMessageActions {
  const list = async (parkedOnly: boolean, options: { limit?: number }) => {
    const limit = options.limit === undefined ? 100 : positiveInteger('limit', options.limit);
    const rows = await executor.query<HalfMessageRow>(listHalfMessages(table, { parkedOnly, limit }));
    return rows.map(halfMessageFromRow);
  };
  const statusOf = async (id: string): Promise<string> => {
    const rows = await executor.query<{ status: string }>(halfMessageStatus(table, id));
    return rows[0]?.status ?? 'NOT_FOUND';
  };
  const decideAll = async (ids: readonly string[], decision: HalfDecision): Promise<AdminActionResult[]> => {
    assertActionIds(ids);
    assertHalfDecision(decision);
    const note = decision === 'COMMIT' ? 'committed by an operator' : 'rolled back by an operator';
    const results: AdminActionResult[] = [];
    for (const id of ids) {
      const applied = await applyHalfDecision(executor, table, id, decision, note);
      if (applied.outcome === 'applied') results.push({ id, ok: true });
      else results.push({ id, ok: false, status: applied.outcome === 'missing' ? 'NOT_FOUND' : applied.currentStatus });
    }
    return results;
  };
  return {
    list: (options = {}) => list(false, options),
    parked: (options = {}) => list(true, options),
    async resume(ids) {
      assertActionIds(ids);
      const resumed = new Set((await executor.query<{ id: string }>(resumeHalfChecks(table, ids))).map((r) => r.id));
      const results: AdminActionResult[] = [];
      for (const id of ids) {
        if (resumed.has(id.toLowerCase())) results.push({ id, ok: true });
        else results.push({ id, ok: false, status: await statusOf(id) });
      }
      return results;
    },
    async commit(ids) {
      const results = await decideAll(ids, 'COMMIT');
      // Committed messages are READY now: wake the relays instead of waiting for their next poll.
      if (results.some((r) => r.ok)) await nudgeRelays();
      return results;
    },
    rollback: (ids) => decideAll(ids, 'ROLLBACK'),
  };
}

export function halfMessageFromRow(row: HalfMessageRow): HalfMessageSummary {
  return {
    id: row.id,
    topic: row.topic,
    key: row.key,
    producerGroup: row.producer_group,
    transactionId: row.transaction_id,
    checkCount: Number(row.check_count),
    markerCheck: row.marker_check,
    parked: row.parked_at !== null,
    parkedAt: nullableRowDate(row.parked_at),
    nextCheckAt: nullableRowDate(row.next_check_at),
    lastError: row.last_error,
    createdAt: rowDate(row.created_at),
    ageMs: Math.round(Number(row.age_ms)),
  };
}
