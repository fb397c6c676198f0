import { MessageStatus } from '../message-states.js';
import type { SqlExecutor } from '../ports.js';
import { outboxStatusCounts, relayStats, type OutboxStatusCountRow, type RelayStatsRow } from '../sql/relay-stats.js';

/** An overview of the outbox for an operator (`OutboxAdmin.stats`). */
export interface OutboxStats {
  /** Rows per status; a status no row has counts 0. */
  counts: Record<MessageStatus, number>;
  /** Age of the oldest READY message, ms: how long the relays trail. `null` when none waits. */
  oldestReadyAgeMs: number | null;
  /** HALF messages whose checks ran out: they wait for an operator (`half.parked`). */
  parkedHalf: number;
}

/** Reads the counts per status and the relay's own gauges (relayStats, what /metrics shows). */
export async function readOutboxStats(executor: SqlExecutor, table: string): Promise<OutboxStats> {
  const [counts, [gauges]] = await Promise.all([
    executor.query<OutboxStatusCountRow>(outboxStatusCounts(table)),
    executor.query<RelayStatsRow>(relayStats(table)),
  ]);
  return outboxStatsFromRows(counts, gauges);
}

export function outboxStatsFromRows(counts: readonly OutboxStatusCountRow[], gauges: RelayStatsRow | undefined): OutboxStats {
  const byStatus = Object.fromEntries(Object.values(MessageStatus).map((status) => [status, 0])) as Record<MessageStatus, number>;
  let parkedHalf = 0;
  for (const row of counts) {
    if (row.status in byStatus) byStatus[row.status as MessageStatus] = Number(row.count);
    if (row.status === MessageStatus.HALF) parkedHalf = Number(row.parked);
  }
  const age = gauges?.oldest_pending_age_seconds;
  return {
    counts: byStatus,
    oldestReadyAgeMs: age === null || age === undefined ? null : Math.round(Number(age) * 1000),
    parkedHalf,
  };
}
