import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { prepareMessage } from '../prepare-message.js';
import { claimReadyBatch } from './claim-ready-batch.js';
import { qualifyTables, quoteIdentifier } from './identifiers.js';
import { insertMessages, KEY_LOCK_NAMESPACE } from './insert-messages.js';
import { markDead } from './mark-dead.js';
import { markPublished } from './mark-published.js';
import { recordInboxReceipt } from './record-inbox-receipt.js';

describe('identifiers', () => {
  it('quotes valid names and refuses anything that could inject SQL', () => {
    expect(quoteIdentifier('outbox_message', 't')).toBe('"outbox_message"');
    expect(() => quoteIdentifier('x"; DROP TABLE y; --', 'tables.outbox')).toThrow(InvalidConfigError);
    expect(() => quoteIdentifier('1abc', 'tables.outbox')).toThrow(/tables.outbox/);
    expect(qualifyTables({ schema: 'app', outbox: 'events' }).outbox).toBe('"app"."events"');
    expect(qualifyTables().inbox).toBe('"public"."inbox_message"');
  });
});

describe('insertMessages', () => {
  it('writes every message of a transaction in one statement with two bind parameters', () => {
    const a = prepareMessage({ topic: 't', key: 'k1', value: { n: 1 }, headers: { h: 'v' } }, { maxMessageBytes: 1e6 });
    const b = prepareMessage({ topic: 't', value: new Uint8Array([255]) }, { maxMessageBytes: 1e6 });
    const statement = insertMessages('"public"."outbox_message"', [a, b], 'READY');
    expect(statement.values).toHaveLength(2);
    expect(statement.values[1]).toBe('READY');
    const documents = JSON.parse(statement.values[0] as string);
    expect(documents).toEqual([
      { id: a.id, topic: 't', key: 'k1', payload_bytes: null, type: null, headers: { h: 'v' }, producer_group: null, transaction_id: null, payload: { n: 1 } },
      { id: b.id, topic: 't', key: null, payload_bytes: '/w==', type: null, headers: {}, producer_group: null, transaction_id: null },
    ]);
    expect(statement.text).toContain(`pg_advisory_xact_lock(${KEY_LOCK_NAMESPACE}, h)`);
    expect(statement.text).toContain('ORDER BY h');
    expect(statement.text).toContain('INSERT INTO "public"."outbox_message"');
    expect(statement.text).toContain('ORDER BY m.ord');
  });
});

describe('relay statements', () => {
  it('claims READY rows of leased partitions in seq order, waiting for (never skipping) locked rows', () => {
    const fence = { leaseTable: '"l"', instanceId: 'i', partitionCount: 8, partitions: [1], tokens: ['3'] };
    const statement = claimReadyBatch('"public"."outbox_message"', { limit: 250, fence, holdKeysAfterDead: false });
    expect(statement.text).toMatch(/WHERE o.status = 'READY' AND .* ORDER BY o.seq LIMIT \$1 FOR UPDATE OF o$/);
    expect(statement.text).not.toContain('SKIP LOCKED');
    expect(statement.values).toEqual([250, 8, [1], ['3'], 'i']);
  });

  it('acknowledges a batch in one statement guarded by the READY state', () => {
    const statement = markPublished('"o"', ['a', 'b']);
    expect(statement.text).toContain("SET status = 'PUBLISHED'");
    expect(statement.text).toContain("AND o.status = 'READY'");
    expect(statement.values).toEqual([['a', 'b']]);
  });

  it('parks poison messages with their reasons as bind parameters', () => {
    const statement = markDead('"o"', [{ id: 'a', error: "it's too large" }]);
    expect(statement.text).toContain("SET status = 'DEAD'");
    expect(statement.values).toEqual([['a'], ["it's too large"]]);
  });

  it('records an inbox receipt with ON CONFLICT DO NOTHING', () => {
    const statement = recordInboxReceipt('"i"', { consumerGroup: 'g', messageId: 'm', topic: 't', partition: 0, offset: '5' });
    expect(statement.text).toContain('ON CONFLICT (consumer_group, message_id) DO NOTHING');
    expect(statement.values).toEqual(['g', 'm', 't', 0, '5']);
  });
});
