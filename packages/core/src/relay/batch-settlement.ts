import { LeaseLostError } from '../errors.js';
import type { SqlExecutor, SqlStatement } from '../ports.js';
import type { LeaseFence } from '../sql/lease-fence.js';
import { markDead } from '../sql/mark-dead.js';
import { deletePublished, markPublished } from '../sql/mark-published.js';
import { storableReason, storableReasonOf } from '../sql/storable-reason.js';
import type { PublishOutcome } from './publisher.js';
import type { SqlTransactionOptions, SqlTransactionRunner } from './sql-transaction-runner.js';

/**
 * Recording what Kafka said about a claimed batch: PUBLISHED (or deleted) for the messages it
 * acknowledged, DEAD for the ones it refused for good.
 *
 * Normally one statement per kind, inside the batch's own transaction (settleBatch). If one of
 * them fails — one row the database will not take, say a key too long for an index — the whole
 * transaction rolls back, and without more the batch would be claimed and published again, and
 * fail again, forever, although Kafka holds its good messages already (docs/guarantees.md §4.9).
 * settleRowByRow is what the relay does then: every row on its own, so one row's failure cannot
 * undo the others' acknowledgements, and a row that cannot take its outcome is parked DEAD.
 */

export type RetentionMode = 'keep' | 'delete';

/** Kafka's answer for a batch, sorted by what has to be written. */
export interface BatchOutcome {
  claimed: number;
  publishedIds: string[];
  /** Refused for good, with a storable reason. */
  dead: Array<{ id: string; error: string }>;
  /** Left READY: held behind a dead message of their key, or failed transiently. */
  held: number;
}

export interface SettleTarget {
  /** Qualified, quoted outbox table. */
  table: string;
  retention: RetentionMode;
  fence: LeaseFence;
}

export function sortOutcomes(claimed: number, outcomes: readonly PublishOutcome[]): BatchOutcome {
  const sorted: BatchOutcome = { claimed, publishedIds: [], dead: [], held: 0 };
  for (const outcome of outcomes) {
    if (outcome.ok) sorted.publishedIds.push(outcome.id);
    else if (outcome.permanent) sorted.dead.push({ id: outcome.id, error: storableReason(outcome.error) });
    else sorted.held += 1;
  }
  return sorted;
}

/**
 * The whole batch in one statement per kind. Fewer rows touched than expected means a lease was
 * lost: LeaseLostError, and the caller rolls the batch back (the new owner publishes again).
 */
export async function settleBatch(executor: SqlExecutor, outcome: BatchOutcome, target: SettleTarget): Promise<void> {
  const { publishedIds, dead } = outcome;
  if (publishedIds.length > 0) {
    const acknowledged = await executor.execute(acknowledge(target, publishedIds));
    if (acknowledged !== publishedIds.length) {
      throw new LeaseLostError(`acknowledged ${acknowledged} of ${publishedIds.length} published messages; rolling the batch back`);
    }
  }
  if (dead.length > 0) {
    const parked = await executor.execute(markDead(target.table, dead, target.fence));
    if (parked !== dead.length) throw new LeaseLostError(`parked ${parked} of ${dead.length} dead messages; rolling the batch back`);
  }
}

export interface RowByRowResult {
  published: number;
  /** Parked DEAD: refused by Kafka, or (reason says so) their acknowledgement could not be written. */
  dead: Array<{ id: string; error: string }>;
  /** Rows the database would take neither their outcome nor DEAD; they stay READY. */
  unsettled: Array<{ id: string; error: string }>;
}

/**
 * After settleBatch failed and its transaction rolled back: each row's outcome in a transaction
 * of its own (a rare path; no savepoints, so no subtransaction per row in one long transaction).
 * The rows are no longer locked, but their partitions are still leased to this instance, and
 * every statement carries the fence. A row whose outcome fails is parked DEAD with a bounded
 * reason, by a statement that depends on nothing but the row's id. A row that refuses even that
 * stays READY and is reported `unsettled`, for the caller to back off on.
 *
 * When the first two rows can be neither settled nor parked, the database itself is failing
 * (unreachable, read-only, out of space): the rest are left READY at once, reported unsettled,
 * rather than tried row after row against a database that answers nothing.
 */
export async function settleRowByRow(
  runner: SqlTransactionRunner,
  transactionOptions: SqlTransactionOptions,
  outcome: BatchOutcome,
  target: SettleTarget,
  batchError: unknown,
): Promise<RowByRowResult> {
  const result: RowByRowResult = { published: 0, dead: [], unsettled: [] };
  const rows = [
    ...outcome.publishedIds.map((id) => ({ id, deadReason: undefined as string | undefined })),
    ...outcome.dead.map((d) => ({ id: d.id, deadReason: d.error })),
  ];
  let anySettled = false;
  for (const [index, row] of rows.entries()) {
    if (!anySettled && result.unsettled.length >= 2) {
      const error = `not tried after two rows failed: ${storableReasonOf(batchError)}`;
      for (const rest of rows.slice(index)) result.unsettled.push({ id: rest.id, error });
      break;
    }
    const write = (statement: SqlStatement) =>
      runner.transaction((executor) => executor.execute(statement), transactionOptions);
    try {
      const statement =
        row.deadReason === undefined ? acknowledge(target, [row.id]) : markDead(target.table, [{ id: row.id, error: row.deadReason }], target.fence);
      // 0 rows: no longer READY, or its lease is gone; either way no longer this batch's to settle.
      if ((await write(statement)) > 0) {
        if (row.deadReason === undefined) result.published += 1;
        else result.dead.push({ id: row.id, error: row.deadReason });
      }
      anySettled = true;
      continue;
    } catch (error) {
      const reason = storableReason(
        row.deadReason === undefined
          ? `Kafka acknowledged the message (it is on the topic), but marking it PUBLISHED failed: ${storableReasonOf(error)}`
          : `refused by Kafka (${row.deadReason}), and recording that failed: ${storableReasonOf(error)}`,
      );
      try {
        if ((await write(markDead(target.table, [{ id: row.id, error: reason }], target.fence))) > 0) result.dead.push({ id: row.id, error: reason });
        anySettled = true;
      } catch (parkError) {
        result.unsettled.push({ id: row.id, error: storableReasonOf(parkError) });
      }
    }
  }
  return result;
}

function acknowledge(target: SettleTarget, ids: readonly string[]): SqlStatement {
  const ack = target.retention === 'delete' ? deletePublished : markPublished;
  return ack(target.table, ids, target.fence);
}
