import type { SqlExecutor } from '../ports.js';
import { listDeadMessages, retryAllDeadMessages, retryDeadMessages, type DeadMessageRow } from '../sql/dead-messages.js';
import { positiveInteger } from '../setting-checks.js';
import { assertActionIds, nullableRowDate, rowDate } from './action-ids.js';

/** A DEAD message, as an operator sees it: its row in camelCase, the times as Dates. */
export interface DeadMessage extends Pick<DeadMessageRow, 'id' | 'seq' | 'topic' | 'key' | 'type' | 'attempts'> {
  /** Why it was parked: the last publish failure. */
  lastError: string | null;
  /** The payload's size in bytes. */
  sizeBytes: number;
  createdAt: Date;
  parkedAt: Date | null;
}

/** What a retry did: the ids it sent back to READY, and the given ids that were not DEAD. */
export interface DeadRetryResult {
  retried: string[];
  notDead: string[];
}

/** The operator's actions on DEAD messages (`OutboxAdmin.dead`). */
export interface DeadMessageActions {
  /** DEAD messages in `seq` order, oldest first (default limit 100). */
  list(options?: { topic?: string; limit?: number }): Promise<DeadMessage[]>;
  /** Sends these DEAD messages back to READY and nudges the relays; ids that are not DEAD are reported. */
  retry(ids: readonly string[]): Promise<DeadRetryResult>;
  /** Sends every DEAD message (of one topic, if given) back to READY and nudges the relays. */
  retryAll(options?: { topic?: string }): Promise<{ retried: string[] }>;
}

/**
 * DEAD → READY is the one way back from DEAD (docs/guarantees.md §3), guarded by the DEAD state:
 * a row that is not dead is left alone. The relays publish the retried rows in `seq` order,
 * ahead of the later messages of their key that the "hold" policy kept back.
 */
export function deadMessageActions(executor: SqlExecutor, table: string, nudgeRelays: () => Promise<void>): DeadMessageActions {
  const retried = async (rows: Promise<Array<{ id: string }>>): Promise<string[]> => {
    const ids = (await rows).map((row) => row.id);
    if (ids.length > 0) await nudgeRelays();
    return ids;
  };
  return {
    async list(options = {}) {
      const limit = options.limit === undefined ? 100 : positiveInteger('limit', options.limit);
      const rows = await executor.query<DeadMessageRow>(listDeadMessages(table, { topic: options.topic, limit }));
      return rows.map(deadMessageFromRow);
    },
    async retry(ids) {
      assertActionIds(ids);
      const moved = await retried(executor.query<{ id: string }>(retryDeadMessages(table, ids)));
      return { retried: moved, notDead: notRetried(ids, moved) };
    },
    async retryAll(options = {}) {
      return { retried: await retried(executor.query<{ id: string }>(retryAllDeadMessages(table, options.topic))) };
    },
  };
}

/** The given ids the database did not move (it answers ids in lower case). */
export function notRetried(ids: readonly string[], retried: readonly string[]): string[] {
  const moved = new Set(retried);
  return ids.filter((id) => !moved.has(id.toLowerCase()));
}

export function deadMessageFromRow(row: DeadMessageRow): DeadMessage {
  return {
    id: row.id,
    seq: row.seq,
    topic: row.topic,
    key: row.key,
    type: row.type,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    sizeBytes: Number(row.size_bytes),
    createdAt: rowDate(row.created_at),
    parkedAt: nullableRowDate(row.parked_at),
  };
}
