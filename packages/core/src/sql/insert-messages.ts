import type { PreparedMessage } from '../message.js';
import type { SqlStatement } from '../ports.js';
import type { MessageStatus } from '../message-states.js';

/**
 * Namespace of the advisory locks that serialise writers of the same key (first argument of the
 * two-key `pg_advisory_xact_lock(int, int)`), so they cannot collide with an application's own
 * single-key advisory locks. 0x6f75 = "ou".
 */
export const KEY_LOCK_NAMESPACE = 0x6f75;

const COLUMNS = '(id, topic, key, payload, payload_bytes, type, headers, producer_group, transaction_id, status)';

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
 * Two forms, chosen by the number of messages:
 * - one message (the common transaction): a one-row insert, one typed bind parameter per column
 *   (insertOneMessage). It is planned and run in about half the time of the document form.
 * - several: the rows travel as one JSON document (insertMessageDocument).
 */
export function insertMessages(table: string, messages: readonly PreparedMessage[], status: MessageStatus): SqlStatement {
  return messages.length === 1 ? insertOneMessage(table, messages[0]!, status) : insertMessageDocument(table, messages, status);
}

/**
 * The one-message form. With a key, the key's lock is a one-time filter of the row's SELECT:
 * PostgreSQL evaluates a plan's one-time filter before it computes the row, so the lock is held
 * before `nextval` draws `seq` (the `seq` default is part of that row). Without a key there is no
 * lock and the statement is a plain `INSERT … VALUES`. Nullable columns whose value is null are
 * left out (their default is null): each bind parameter costs a few µs in Prisma and pg.
 *
 * Measured (raw pg, p50 inside a transaction, 2 cores): 0.13 ms keyed, 0.11 ms without a key,
 * against 0.23 ms for the document form of the same message (whose planning alone is ~0.10 ms);
 * a MATERIALIZED CTE holding the lock measured 0.015 ms more than the one-time filter.
 */
export function insertOneMessage(table: string, message: PreparedMessage, status: MessageStatus): SqlStatement {
  const columns = ['id', 'topic', 'status', 'headers'];
  const values: unknown[] = [message.id, message.topic, status, JSON.stringify(message.headers)];
  const row = ['$1::uuid', '$2::text', '$3::text', '$4::jsonb'];
  const add = (column: string, value: string | null, expression: (parameter: string) => string) => {
    if (value === null) return;
    values.push(value);
    columns.push(column);
    row.push(expression(`$${values.length}`));
  };
  add('key', message.key, (p) => `${p}::text`); // always $5 when present: the lock refers to it
  add('payload', message.payloadJson, (p) => `${p}::jsonb`);
  add('payload_bytes', base64OrNull(message.payloadBytes), (p) => `decode(${p}::text, 'base64')`);
  add('type', message.type, (p) => `${p}::text`);
  add('producer_group', message.producerGroup, (p) => `${p}::text`);
  add('transaction_id', message.transactionId, (p) => `${p}::text`);
  const text =
    message.key === null
      ? `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${row.join(', ')})`
      : `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${row.join(', ')} ` +
        `WHERE pg_advisory_xact_lock(${KEY_LOCK_NAMESPACE}, hashtext($5::text)) IS NOT NULL`;
  return { text, values };
}

/**
 * The several-messages form. The rows travel as one JSON document: one bind parameter however
 * many rows, no array-quoting pitfalls, and the JSON payload text is embedded as is rather than
 * encoded twice. The locks are taken in a MATERIALIZED CTE, once per distinct key, in hash order,
 * before any row (and its `seq`) is produced.
 */
export function insertMessageDocument(table: string, messages: readonly PreparedMessage[], status: MessageStatus): SqlStatement {
  const documents = messages.map(toDocument);
  const text =
    `WITH key_locks AS MATERIALIZED (` +
    `SELECT count(pg_advisory_xact_lock(${KEY_LOCK_NAMESPACE}, h)) AS n FROM (` +
    `SELECT DISTINCT hashtext(m->>'key') AS h FROM jsonb_array_elements($1::jsonb) AS m ` +
    `WHERE m->>'key' IS NOT NULL ORDER BY h) AS keys) ` +
    `INSERT INTO ${table} ${COLUMNS} ` +
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
    payload_bytes: base64OrNull(message.payloadBytes),
    type: message.type,
    headers: message.headers,
    producer_group: message.producerGroup,
    transaction_id: message.transactionId,
  });
  return message.payloadJson === null ? head : `${head.slice(0, -1)},"payload":${message.payloadJson}}`;
}

function base64OrNull(bytes: Uint8Array | null): string | null {
  // Buffer.from(ArrayBufferView) would copy; a view over the same memory does not.
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') : null;
}
