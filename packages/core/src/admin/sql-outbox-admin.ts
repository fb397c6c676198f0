import type { SqlExecutor } from '../ports.js';
import { qualifyTables, type TableNamesOptions } from '../sql/identifiers.js';
import { DEFAULT_RELAY_CHANNEL, notifyRelay, RelayNudge } from '../sql/notify-relay.js';
import { deadMessageActions, type DeadMessageActions } from './dead-message-actions.js';
import { halfMessageActions, type HalfMessageActions } from './half-message-actions.js';
import { readOutboxStats, type OutboxStats } from './outbox-stats.js';

export interface SqlOutboxAdminOptions {
  /** The outbox's schema and table names. Default `public.outbox_message`. */
  tables?: TableNamesOptions;
  /** The channel the relays LISTEN on. Default DEFAULT_RELAY_CHANNEL. */
  channel?: string;
}

/** What an operator does with the outbox's rows: the database half of kafka-relay's OutboxAdmin. */
export interface SqlOutboxAdmin {
  /** DEAD messages: list them, send them back to READY. */
  readonly dead: DeadMessageActions;
  /** Undecided half messages: list them (or the parked ones), resume their checks, commit or roll them back. */
  readonly half: HalfMessageActions;
  /** Rows per status, the oldest READY message's age and the parked half messages. */
  stats(): Promise<OutboxStats>;
}

/**
 * The operator's actions over any SqlExecutor (a pg pool's, a Prisma client's). Every change is
 * guarded by the row's expected status, so an operator never overturns a decision; what a change
 * made READY is followed by a nudge to the relays.
 */
export function sqlOutboxAdmin(executor: SqlExecutor, options: SqlOutboxAdminOptions = {}): SqlOutboxAdmin {
  const table = qualifyTables(options.tables).outbox;
  const channel = options.channel ?? DEFAULT_RELAY_CHANNEL;
  // Best effort: the rows are committed READY already, and a relay that misses the nudge finds
  // them on its next poll. A failed nudge must not make a done action look failed.
  const nudgeRelays = () =>
    executor.execute(notifyRelay(channel, RelayNudge.messages)).then(
      () => undefined,
      () => undefined,
    );
  return {
    dead: deadMessageActions(executor, table, nudgeRelays),
    half: halfMessageActions(executor, table, nudgeRelays),
    stats: () => readOutboxStats(executor, table),
  };
}
