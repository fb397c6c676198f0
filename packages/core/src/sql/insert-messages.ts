import type { PreparedMessage } from '../message.js';
import type { SqlStatement } from '../ports.js';
import type { MessageStatus } from '../message-states.js';

/**
 * Namespace of the advisory locks that serialise writers of the same key (first argument of the
 * two-key `pg_advisory_xact_lock(int, int)`), so they cannot collide with an application's own
 * single-key advisory locks. 0x6f75 = "ou".
 */
export const KEY_LOCK_NAMESPACE = 0x6f75;

/**
 * Inserts all of one transaction's messages in ONE statement (one round trip however many
 * messages), after taking a transaction-scoped advisory lock per distinct key.
 *
 * Why the lock: `seq` comes from a sequence when the row is inserted, but transactions commit in
 * an order of their own. Holding a per-key lock from the insert to the commit means a second
 * writer of the same key draws its `seq` only after the first has committed, so for one key
 * `seq` order IS commit order, which the relay relies on for per-key ordering. The locks are
 * taken in hash order so two transactions can never deadlock on them, and only for the short
 * tail of the transaction (messages are buffered and flushed just before commit).
 *
 * The rows travel as one JSON document: one bind parameter, no array-quoting pitfalls, and the
 * JSON payload text is embedded as is rather than encoded twice.
 */
export function insertMessages(table: string, messages: readonly PreparedMessage[], status: MessageStatus): SqlStatement {
  const documents = messages.map(toDocument);
  const text =
    `WITH key_locks AS MATERIALIZED (` +
    `SELECT count(pg_advisory_xact_lock(${KEY_LOCK_NAMESPACE}, h)) AS n FROM (` +
    `SELECT DISTINCT hashtext(m->>'key') AS h FROM jsonb_array_elements($1::jsonb) AS m ` +
    `WHERE m->>'key' IS NOT NULL ORDER BY h) AS keys) ` +
    `INSERT INTO ${table} (id, topic, key, payload, payload_bytes, type, headers, producer_group, transaction_id, status) ` +
    `SELECT (e->>'id')::uuid, e->>'topic', e->>'key', e->'payload', decode(e->>'payload_bytes', 'base64'), ` +
    `e->>'type', e->'headers', e->>'producer_group', e->>'transaction_id', $2 ` +
    `FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS m(e, ord) CROSS JOIN key_locks ORDER BY m.ord`;
  return { text, values: [`[${documents.join(',')}]`, status] };
}

function toDocument(message: PreparedMessage): string {
  // Every field but the payload goes through JSON.stringify; the payload is already JSON text.
  const head = JSON.stringify({
    id: message.id,
    topic: message.topic,
    key: message.key,
    payload_bytes: message.payloadBytes ? Buffer.from(message.payloadBytes).toString('base64') : null,
    type: message.type,
    headers: message.headers,
    producer_group: message.producerGroup,
    transaction_id: message.transactionId,
  });
  return message.payloadJson === null ? head : `${head.slice(0, -1)},"payload":${message.payloadJson}}`;
}
