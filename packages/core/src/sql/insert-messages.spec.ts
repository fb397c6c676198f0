import { describe, expect, it } from 'vitest';
import { prepareMessage } from '../prepare-message.js';
import { insertMessageDocument, insertMessages, insertOneMessage, KEY_LOCK_NAMESPACE } from './insert-messages.js';

const T = '"public"."outbox_message"';
const prepare = (input: Parameters<typeof prepareMessage>[0], producerGroup: string | null = null) =>
  prepareMessage(input, { maxMessageBytes: 1e6, producerGroup });

describe('insertMessages chooses its form by the number of messages', () => {
  it('one keyed message: a one-row insert behind the key lock, every column a typed bind parameter', () => {
    const m = { ...prepare({ topic: 't', key: 'k1', value: { n: 1 }, headers: { h: 'v' }, type: 'T' }, 'g'), transactionId: 'tx-1' };
    const statement = insertMessages(T, [m], 'READY');
    expect(statement).toEqual(insertOneMessage(T, m, 'READY'));
    expect(statement.text).toBe(
      `INSERT INTO ${T} (id, topic, status, headers, key, payload, type, producer_group, transaction_id) ` +
        `SELECT $1::uuid, $2::text, $3::text, $4::jsonb, $5::text, $6::jsonb, $7::text, $8::text, $9::text ` +
        `WHERE pg_advisory_xact_lock(${KEY_LOCK_NAMESPACE}, hashtext($5::text)) IS NOT NULL`,
    );
    expect(statement.values).toEqual([m.id, 't', 'READY', '{"h":"v"}', 'k1', '{"n":1}', 'T', 'g', 'tx-1']);
  });

  it('one message without a key: a plain INSERT … VALUES, no lock, null columns left to their default', () => {
    const m = prepare({ topic: 't', value: 'x' });
    const statement = insertMessages(T, [m], 'READY');
    expect(statement.text).toBe(`INSERT INTO ${T} (id, topic, status, headers, payload) VALUES ($1::uuid, $2::text, $3::text, $4::jsonb, $5::jsonb)`);
    expect(statement.values).toEqual([m.id, 't', 'READY', '{}', '"x"']);
  });

  it('a JSON null value is the JSON text null, not a missing payload', () => {
    const m = prepare({ topic: 't', value: null });
    const statement = insertMessages(T, [m], 'READY');
    expect(statement.text).toContain('(id, topic, status, headers, payload)');
    expect(statement.values.at(-1)).toBe('null');
  });

  it('one message of raw bytes: base64 in payload_bytes, no JSON payload (also for a view into a larger buffer)', () => {
    const backing = new Uint8Array([9, 0, 1, 254, 255, 9]);
    const m = prepare({ topic: 't', key: 'k', value: backing.subarray(1, 5) });
    const statement = insertMessages(T, [m], 'READY');
    expect(statement.text).toContain(`(id, topic, status, headers, key, payload_bytes) SELECT $1::uuid, $2::text, $3::text, $4::jsonb, $5::text, decode($6::text, 'base64') WHERE`);
    expect(statement.values.slice(4)).toEqual(['k', Buffer.from([0, 1, 254, 255]).toString('base64')]);
  });

  it('several messages: the JSON-document form, one document and the status as the only parameters', () => {
    const a = prepare({ topic: 't', key: 'k1', value: { n: 1 } });
    const b = prepare({ topic: 't', value: new Uint8Array([255]) });
    const statement = insertMessages(T, [a, b], 'READY');
    expect(statement).toEqual(insertMessageDocument(T, [a, b], 'READY'));
    expect(statement.text).toMatch(/^WITH key_locks AS MATERIALIZED/);
    expect(statement.text).not.toContain('$3');
    expect(statement.values).toHaveLength(2);
    expect(JSON.parse(statement.values[0] as string)).toHaveLength(2);
  });

  it('binds the status it is given (the same builders write READY and other states)', () => {
    const m = prepare({ topic: 't', key: 'k', value: 1 });
    expect(insertMessages(T, [m], 'HALF').values[2]).toBe('HALF');
    expect(insertMessages(T, [m, m], 'HALF').values.at(-1)).toBe('HALF');
  });
});
