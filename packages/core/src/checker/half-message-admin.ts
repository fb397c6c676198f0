import { InvalidConfigError } from '../errors.js';
import { applyHalfDecision } from '../half/apply-half-decision.js';
import { assertHalfDecision, assertMessageIds } from '../half/half-decision.js';
import type { SqlExecutor } from '../ports.js';
import { qualifyTables, type QualifiedTables, type TableNamesOptions } from '../sql/identifiers.js';
import { listHalfMessages, type HalfMessageRow } from '../sql/list-half-messages.js';
import { resumeHalfChecks } from '../sql/resume-half-checks.js';
import { halfMessageStatus, type HalfDecision } from '../sql/resolve-half-message.js';

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

/**
 * What an operator does with half messages (`outbox-relay half …`): list the undecided (or only
 * the parked) ones; resume checking them; commit or roll them back by hand. Every change is the
 * same compare-and-set the producer and the checker use, so an operator cannot overturn a decision.
 */
export class HalfMessageAdmin {
  private readonly tables: QualifiedTables;

  constructor(
    private readonly executor: SqlExecutor,
    tables: TableNamesOptions = {},
  ) {
    this.tables = qualifyTables(tables);
  }

  async list(options: { parkedOnly?: boolean; limit?: number } = {}): Promise<HalfMessageSummary[]> {
    const rows = await this.executor.query<HalfMessageRow>(
      listHalfMessages(this.tables.outbox, { parkedOnly: options.parkedOnly ?? false, limit: options.limit ?? 100 }),
    );
    return rows.map((row) => ({
      id: row.id,
      topic: row.topic,
      key: row.key,
      producerGroup: row.producer_group,
      transactionId: row.transaction_id,
      checkCount: Number(row.check_count),
      markerCheck: row.marker_check,
      parked: row.parked_at !== null,
      parkedAt: toDate(row.parked_at),
      nextCheckAt: toDate(row.next_check_at),
      lastError: row.last_error,
      createdAt: toDate(row.created_at)!,
      ageMs: Math.round(Number(row.age_ms)),
    }));
  }

  /** Checks these messages again now, with a fresh budget of checks. */
  async resume(ids: readonly string[]): Promise<AdminActionResult[]> {
    validateIds(ids);
    const resumed = new Set(
      (await this.executor.query<{ id: string }>(resumeHalfChecks(this.tables.outbox, ids))).map((r) => r.id),
    );
    const results: AdminActionResult[] = [];
    for (const id of ids) {
      if (resumed.has(id.toLowerCase())) results.push({ id, ok: true });
      else results.push({ id, ok: false, status: await this.statusOf(id) });
    }
    return results;
  }

  commit(ids: readonly string[]): Promise<AdminActionResult[]> {
    return this.decideAll(ids, 'COMMIT');
  }

  rollback(ids: readonly string[]): Promise<AdminActionResult[]> {
    return this.decideAll(ids, 'ROLLBACK');
  }

  private async decideAll(ids: readonly string[], decision: HalfDecision): Promise<AdminActionResult[]> {
    validateIds(ids);
    assertHalfDecision(decision);
    const results: AdminActionResult[] = [];
    const note = decision === 'COMMIT' ? 'committed by an operator' : 'rolled back by an operator';
    for (const id of ids) {
      const applied = await applyHalfDecision(this.executor, this.tables.outbox, id, decision, note);
      if (applied.outcome === 'applied') results.push({ id, ok: true });
      else results.push({ id, ok: false, status: applied.outcome === 'missing' ? 'NOT_FOUND' : applied.currentStatus });
    }
    return results;
  }

  private async statusOf(id: string): Promise<string> {
    const rows = await this.executor.query<{ status: string }>(halfMessageStatus(this.tables.outbox, id));
    return rows[0]?.status ?? 'NOT_FOUND';
  }
}

/** Every id a UUID before any SQL sees them (a malformed one would be a raw cast error). */
function validateIds(ids: readonly string[]): void {
  if (!Array.isArray(ids) || ids.length === 0) throw new InvalidConfigError('ids', 'give at least one message id');
  assertMessageIds(ids);
}

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  return value instanceof Date ? value : new Date(value);
}
