import type { Logger } from '../logger.js';
import type { SqlExecutor } from '../ports.js';
import { DEFAULT_RELAY_CHANNEL, notifyRelay, RelayNudge } from '../sql/notify-relay.js';

/** The slice of an Outbox the nudge needs: its committed-transaction event. */
export interface CommitEvents {
  on(event: 'transaction:committed', listener: (payload: { messageIds: string[]; topics: string[] }) => void): () => void;
}

export interface RelayNudgeOptions {
  /** Channel the relays LISTEN on. Default `outboxkit_relay`. */
  channel?: string;
  /** Where failures to nudge are logged (they are harmless: the relays poll as a fallback). */
  logger?: Logger;
}

/**
 * Wakes the relays right after a transaction that sent messages commits: `pg_notify` runs as
 * its own statement, on a connection outside the (already committed) business transaction —
 * never a NOTIFY inside it, which would take a database-wide lock at commit and serialise every
 * commit. At most one nudge is in flight per process; commits meanwhile fold into one more
 * nudge after it, so a burst of commits costs a couple of round trips, not one each.
 *
 * `executor` must run statements outside any transaction (for Prisma: `outbox.executor`, the
 * unextended client). Returns the function that stops nudging.
 */
export function nudgeRelayAfterCommit(events: CommitEvents, executor: SqlExecutor, options: RelayNudgeOptions = {}): () => void {
  const statement = notifyRelay(options.channel ?? DEFAULT_RELAY_CHANNEL, RelayNudge.messages);
  let inFlight = false;
  let again = false;
  const send = (): void => {
    inFlight = true;
    again = false;
    executor.execute(statement).then(
      () => finish(),
      (error: unknown) => {
        options.logger?.warn('relay nudge failed (the relay will still poll)', { error });
        finish();
      },
    );
  };
  const finish = (): void => {
    inFlight = false;
    if (again) send();
  };
  return events.on('transaction:committed', () => {
    if (inFlight) again = true;
    else send();
  });
}
