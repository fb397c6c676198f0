// Test data, written straight with SQL in a few large statements (not through the application
// path: the drain measures the relay, not the writers).
import ptoPkg from 'pg-transactional-outbox';
import { withClient } from '../../scripts/postgres.mjs';

const { DatabaseSetup } = ptoPkg;

export const PEER_SCHEMA = 'pto';
export const PEER_TABLE = 'outbox';
export const PEER_FUNCTION = 'next_outbox_messages';
const CHUNK = 25_000;

// One connect-run-close helper for the whole repository (scripts/postgres.mjs); re-exported for the bench.
export { withClient };

/**
 * The JSON payload of message i, exactly `bytes` long as PostgreSQL prints the jsonb back
 * (`{"seq": "00000001", "data": "xxx…"}`), which is what the relay puts on the wire.
 */
function payloadSql(bytes) {
  const filler = Math.max(0, bytes - 31);
  return `jsonb_build_object('seq', lpad(i::text, 8, '0'), 'data', repeat('x', ${filler}))`;
}

/** Empties the outbox and writes `messages` READY rows of `payloadBytes` over `keys` keys, in seq order. */
export async function seedOutbox(databaseUrl, { topic, messages, keys, payloadBytes }) {
  await withClient(databaseUrl, async (client) => {
    await client.query('TRUNCATE outbox_message');
    for (let from = 0; from < messages; from += CHUNK) {
      const to = Math.min(messages, from + CHUNK) - 1;
      await client.query(
        `INSERT INTO outbox_message (id, topic, key, payload, type, status)
         SELECT gen_random_uuid(), $1, 'key-' || (i % $2), ${payloadSql(payloadBytes)}, 'BenchEvent', 'READY'
         FROM generate_series($3::int, $4::int) AS i ORDER BY i`,
        [topic, keys, from, to],
      );
    }
    await client.query('VACUUM ANALYZE outbox_message');
    await client.query('CHECKPOINT');
  });
}

/** pg-transactional-outbox's own table, polling function and indexes (its DatabaseSetup SQL). */
export async function setupPeerSchema(databaseUrl) {
  const setup = { outboxOrInbox: 'outbox', database: 'bench', schema: PEER_SCHEMA, table: PEER_TABLE, listenerRole: 'postgres', nextMessagesName: PEER_FUNCTION };
  await withClient(databaseUrl, async (client) => {
    await client.query(DatabaseSetup.dropAndCreateTable(setup));
    await client.query(DatabaseSetup.createPollingFunction(setup));
    await client.query(DatabaseSetup.setupPollingIndexes(setup));
  });
}

/**
 * The same messages in the peer's table, aggregate id = the key, created_at strictly increasing in
 * message order. Mode `ordered`: segment = the key and concurrency `sequential`, so the peer keeps
 * per-key order as outboxkit does (one message of a segment at a time). Mode `unordered`: no
 * segment, concurrency `parallel` — the peer's fastest setting, without per-key order.
 */
export async function seedPeer(databaseUrl, { messages, keys, payloadBytes, mode = 'ordered' }) {
  const ordered = mode === 'ordered';
  await withClient(databaseUrl, async (client) => {
    await client.query(`TRUNCATE ${PEER_SCHEMA}.${PEER_TABLE}`);
    for (let from = 0; from < messages; from += CHUNK) {
      const to = Math.min(messages, from + CHUNK) - 1;
      await client.query(
        `INSERT INTO ${PEER_SCHEMA}.${PEER_TABLE} (id, aggregate_type, aggregate_id, message_type, segment, concurrency, payload, created_at)
         SELECT gen_random_uuid(), 'bench', 'key-' || (i % $1), 'BenchEvent', ${ordered ? `'key-' || (i % $1)` : 'NULL'},
                '${ordered ? 'sequential' : 'parallel'}', ${payloadSql(payloadBytes)},
                now() + i * interval '1 microsecond'
         FROM generate_series($2::int, $3::int) AS i ORDER BY i`,
        [keys, from, to],
      );
    }
    await client.query(`VACUUM ANALYZE ${PEER_SCHEMA}.${PEER_TABLE}`);
    await client.query('CHECKPOINT');
  });
}

export async function countRows(databaseUrl, sql) {
  return withClient(databaseUrl, async (client) => Number((await client.query(sql)).rows[0].count));
}
