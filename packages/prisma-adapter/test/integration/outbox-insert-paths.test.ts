// The outbox INSERT has two forms (packages/core/src/sql/insert-messages.ts): a one-row statement
// for a transaction's single message, and a JSON document for several. These tests hold both
// against the real PostgreSQL: the key lock that makes seq order commit order, identical rows,
// and bad input refused with nothing written.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidMessageError,
  MessageSerializationError,
  MessageTooLargeError,
  send,
  silentLogger,
  type OutboxMessageInput,
} from '@outboxkit/core';
import { KEY_LOCK_NAMESPACE, insertMessages, prepareMessage } from '@outboxkit/core/internal';
import { createPrismaOutbox, type PrismaOutbox } from '@outboxkit/prisma-adapter';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';
import type { PrismaClient } from '@outboxkit/test-support/prisma';
import { uniqueName } from '@outboxkit/test-support/servers';
import { sleep, waitFor } from '@outboxkit/test-support/wait';

const TABLE = '"public"."outbox_message"';
let parts: Partial<OutboxTestDatabase> = {};
let outbox: PrismaOutbox<PrismaClient>;
let admin: pg.Client;

beforeAll(async () => {
  parts = await openOutboxTestDatabase('ok_insert_paths');
  outbox = createPrismaOutbox(parts.prisma!, { logger: silentLogger, registerAsDefault: false, maxMessageBytes: 4096 });
  admin = new pg.Client({ connectionString: parts.database!.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end().catch(() => undefined);
  await closeOutboxTestDatabase(parts);
});

interface Row {
  id: string;
  seq: string;
  topic: string;
  key: string | null;
  payload: string | null;
  payload_bytes: Buffer | null;
  type: string | null;
  headers: Record<string, string>;
  producer_group: string | null;
  transaction_id: string | null;
  status: string;
}

async function rowsOf(topic: string): Promise<Row[]> {
  const result = await admin.query<Row>(
    `SELECT id::text, seq::text, topic, key, payload::text AS payload, payload_bytes, type, headers, producer_group, transaction_id, status
     FROM outbox_message AS o WHERE topic = $1 ORDER BY o.seq`,
    [topic],
  );
  return result.rows;
}

/** Sessions waiting for an outboxkit key lock right now. */
async function keyLockWaiters(): Promise<number> {
  const result = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2 AND NOT granted
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [KEY_LOCK_NAMESPACE],
  );
  return result.rows[0]!.n;
}

describe('a keyed one-message insert (the one-row form) serialises writers of its key', () => {
  // The holder writes with raw pg and stays open; the second writer is a real outbox.transaction
  // with ONE message, i.e. the one-row statement. Between them, a third transaction of another
  // key commits: if the second writer had drawn its seq before waiting, its seq would be lower
  // than the third's. The holder is once the one-row form, once the document form, so both forms
  // are shown to take the same lock.
  it.each([
    ['the one-row form', 1],
    ['the document form', 2],
  ])('a second writer waits for a holder that used %s, then draws its seq after the holder committed', async (_label, holderMessages) => {
    const topic = uniqueName('ok.keylock');
    const key = uniqueName('K');
    const holder = new pg.Client({ connectionString: parts.database!.url });
    await holder.connect();
    try {
      const held = Array.from({ length: holderMessages }, (_, n) =>
        prepareMessage({ topic, key: n === 0 ? key : `${key}-other`, value: { n } }, { maxMessageBytes: 1e6 }),
      );
      await holder.query('BEGIN');
      const insert = insertMessages(TABLE, held, 'READY');
      expect(insert.text.startsWith('WITH key_locks')).toBe(holderMessages > 1);
      await holder.query(insert.text, insert.values as unknown[]);

      let secondCommitted = false;
      const second = outbox.transaction(async () => send({ topic, key, value: { n: 'second' } })).then((id) => {
        secondCommitted = true;
        return id;
      });
      await waitFor(async () => (await keyLockWaiters()) === 1, 10_000, 'the second writer waiting for the key lock');
      const other = await outbox.transaction(async () => send({ topic, key: `${key}-unrelated`, value: { n: 'other' } }));
      await sleep(200);
      expect(secondCommitted).toBe(false);

      await holder.query('COMMIT');
      const secondId = await second;
      const rows = await rowsOf(topic);
      const seqOf = (id: string) => BigInt(rows.find((r) => r.id === id)!.seq);
      // seq order = commit order for the key: holder < second; and the second's seq was drawn
      // after the unrelated transaction committed (while it waited), so it is above that one too.
      expect(seqOf(held[0]!.id) < seqOf(secondId)).toBe(true);
      expect(seqOf(other) < seqOf(secondId)).toBe(true);
    } finally {
      await holder.end().catch(() => undefined);
    }
  });

  it('a message without a key takes no lock: it commits while a key is held', async () => {
    const topic = uniqueName('ok.nokey');
    const holder = new pg.Client({ connectionString: parts.database!.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT pg_advisory_xact_lock($1, hashtext('whatever'))`, [KEY_LOCK_NAMESPACE]);
      const id = await outbox.transaction(async () => send({ topic, value: 'unkeyed' }));
      expect((await rowsOf(topic)).map((r) => r.id)).toEqual([id]);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end().catch(() => undefined);
    }
  });
});

describe('both forms write identical rows', () => {
  const inputs = (topic: string): OutboxMessageInput[] => [
    { topic, key: 'k-json', type: 'Placed', value: { total: 12.5, big: 12345678901234567890, text: 'é ✓ "quoted" \\ \n', nested: { a: [1, null, true] }, empty: {} } },
    { topic, key: null, value: new Uint8Array([0, 1, 127, 128, 254, 255]) },
    { topic, key: 'k-headers', value: 'a string', headers: { 'x-trace': 'abc', empty: '' } },
    { topic, value: [1, 'two', { three: 3 }] },
    { topic, key: 'k-null', value: null },
  ];

  async function writeEach(topic: string): Promise<Row[]> {
    for (const input of inputs(topic)) await outbox.transaction(async () => send(input));
    return rowsOf(topic);
  }

  async function writeAll(topic: string): Promise<Row[]> {
    await outbox.transaction(async () => inputs(topic).map((input) => send(input)));
    return rowsOf(topic);
  }

  it('one message per transaction (one-row form) and all in one transaction (document form) give the same columns', async () => {
    const single = await writeEach(uniqueName('ok.single'));
    const together = await writeAll(uniqueName('ok.together'));
    const comparable = ({ id: _id, seq: _seq, topic: _topic, ...rest }: Row) => rest;
    expect(single).toHaveLength(5);
    expect(single.map(comparable)).toEqual(together.map(comparable));

    const [json, bytes, headers, array, nullValue] = single;
    expect(JSON.parse(json!.payload!)).toEqual({ total: 12.5, big: 12345678901234567000, text: 'é ✓ "quoted" \\ \n', nested: { a: [1, null, true] }, empty: {} });
    expect(json).toMatchObject({ key: 'k-json', type: 'Placed', payload_bytes: null, headers: {}, status: 'READY', producer_group: null, transaction_id: null });
    expect(bytes!.payload).toBeNull();
    expect([...bytes!.payload_bytes!]).toEqual([0, 1, 127, 128, 254, 255]);
    expect(bytes!.key).toBeNull();
    expect(headers).toMatchObject({ payload: '"a string"', headers: { 'x-trace': 'abc', empty: '' } });
    expect(JSON.parse(array!.payload!)).toEqual([1, 'two', { three: 3 }]);
    expect(array!.key).toBeNull();
    expect(nullValue!.payload).toBe('null');
  });
});

describe('both forms write identical rows, producer group and transaction id included', () => {
  it('as the statements of insertMessages, run on a plain pg client', async () => {
    const topic = uniqueName('ok.columns');
    const make = (tag: string) =>
      [
        { topic, key: `k-${tag}`, type: 'T', value: { tag: 'x' }, headers: { h: 'v' } },
        { topic, key: null, value: new Uint8Array([0, 255]) },
      ].map((input) => ({ ...prepareMessage(input, { maxMessageBytes: 1e6, producerGroup: 'group-1' }), transactionId: 'tx-1' }));
    const one = make('a');
    const several = make('b');
    for (const message of one) {
      const statement = insertMessages(TABLE, [message], 'HALF');
      await admin.query(statement.text, statement.values as unknown[]);
    }
    const statement = insertMessages(TABLE, several, 'HALF');
    expect(statement.text.startsWith('WITH key_locks')).toBe(true);
    await admin.query(statement.text, statement.values as unknown[]);

    const rows = await rowsOf(topic);
    const comparable = ({ id: _id, seq: _seq, key, ...rest }: Row) => ({ ...rest, key: key?.slice(0, 2) ?? null });
    expect(rows.map((r) => r.id)).toEqual([...one, ...several].map((m) => m.id));
    expect(rows.slice(0, 2).map(comparable)).toEqual(rows.slice(2).map(comparable));
    expect(rows[0]).toMatchObject({ producer_group: 'group-1', transaction_id: 'tx-1', status: 'HALF', type: 'T', headers: { h: 'v' }, payload: '{"tag": "x"}' });
    expect([...rows[1]!.payload_bytes!]).toEqual([0, 255]);
  });
});

describe('bad input fails with a typed error and writes nothing, in either form', () => {
  const cyclic = (() => {
    const o: Record<string, unknown> = {};
    o.self = o;
    return o;
  })();
  it.each([
    ['a missing topic', { topic: '', value: 1 }, InvalidMessageError],
    ['a BigInt', { value: { n: 1n } }, MessageSerializationError],
    ['a cycle', { value: cyclic }, MessageSerializationError],
    ['an oversized value', { value: 'x'.repeat(5000) }, MessageTooLargeError],
  ] as const)('%s, alone and after a good message', async (_label, bad, errorClass) => {
    for (const goodBefore of [0, 1, 2]) {
      const topic = uniqueName('ok.bad');
      const orderId = crypto.randomUUID();
      const attempt = outbox.transaction(async () => {
        await outbox.client.order.create({ data: { id: orderId, customer: 'c', sku: 's', quantity: 1 } });
        for (let n = 0; n < goodBefore; n += 1) send({ topic, key: 'k', value: { n } });
        send({ topic, key: 'k', ...bad } as OutboxMessageInput);
      });
      await expect(attempt).rejects.toBeInstanceOf(errorClass);
      expect(await rowsOf(topic)).toEqual([]);
      expect(await parts.prisma!.order.findUnique({ where: { id: orderId } })).toBeNull();
    }
  });
});
