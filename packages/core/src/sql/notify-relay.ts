import type { SqlStatement } from '../ports.js';

/** Default channel relays LISTEN on and writers nudge after commit. */
export const DEFAULT_RELAY_CHANNEL = 'outboxkit_relay';

/** Payloads on the channel: new rows to publish, or leases to rebalance. */
export const RelayNudge = Object.freeze({ messages: 'messages', leases: 'leases' } as const);

/**
 * Nudges the relays: run as its own statement AFTER the business transaction committed, never
 * inside it (a NOTIFY inside the transaction takes a database-wide lock at commit and would
 * serialise every commit). The channel is a bind parameter, not an identifier, so any text works.
 */
export function notifyRelay(channel: string, payload: string = RelayNudge.messages): SqlStatement {
  return { text: `SELECT pg_notify($1::text, $2::text)`, values: [channel, payload] };
}
