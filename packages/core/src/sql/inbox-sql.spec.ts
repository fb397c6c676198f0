import { describe, expect, it } from 'vitest';
import { pruneInboxReceipts } from './prune-inbox-receipts.js';
import { recordInboxReceipts } from './record-inbox-receipts.js';

describe('recordInboxReceipts', () => {
  it('dedupes a whole batch in one statement with parallel array parameters', () => {
    const statement = recordInboxReceipts('"public"."inbox_message"', 'inventory', [
      { messageId: 'a', topic: 'orders', partition: 0, offset: '10' },
      { messageId: 'a', topic: 'orders', partition: 0, offset: '11' },
      { messageId: 'b' },
    ]);
    expect(statement.text).toBe(
      'INSERT INTO "public"."inbox_message" (consumer_group, message_id, topic, partition, "offset") ' +
        'SELECT $1, r.message_id, r.topic, r.partition, r."offset" ' +
        'FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[]) AS r(message_id, topic, partition, "offset") ' +
        'ON CONFLICT (consumer_group, message_id) DO NOTHING RETURNING message_id',
    );
    expect(statement.values).toEqual(['inventory', ['a', 'a', 'b'], ['orders', 'orders', null], [0, 0, null], ['10', '11', null]]);
  });
});

describe('pruneInboxReceipts', () => {
  it('deletes one bounded, oldest-first batch older than the window, on the database clock', () => {
    const statement = pruneInboxReceipts('"s"."inbox"', { olderThanMs: 60_000, batchSize: 500 });
    expect(statement.text).toBe(
      'DELETE FROM "s"."inbox" WHERE (consumer_group, message_id) IN (' +
        'SELECT consumer_group, message_id FROM "s"."inbox" ' +
        "WHERE received_at < now() - $1::bigint * interval '1 millisecond' ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
    );
    expect(statement.values).toEqual([60_000, 500]);
  });

  it('can be limited to one consumer group', () => {
    const statement = pruneInboxReceipts('"s"."inbox"', { olderThanMs: 1, batchSize: 2, consumerGroup: "o'brien" });
    expect(statement.text).toContain('AND consumer_group = $3 ORDER BY received_at');
    expect(statement.values).toEqual([1, 2, "o'brien"]);
  });
});
