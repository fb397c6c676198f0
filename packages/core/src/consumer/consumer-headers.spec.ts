import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../inbox/consumed-record.js';
import { NonRetryableError } from '../errors.js';
import { CONSUMER_HEADERS, deadLetterHeaders, readDeliveryInfo, replayHeaders, retryHeaders, summarizeStack } from './consumer-headers.js';

const origin = { topic: 'orders', partition: 2, offset: '41', reconsumeTimes: 0, dueAt: undefined };

describe('consumer headers', () => {
  it('put attempt count, due time, origin and the error on a retry record, keeping the record\'s own headers', () => {
    const headers = retryHeaders(
      { 'outboxkit-message-id': Buffer.from('m1'), tenant: 'acme', [CONSUMER_HEADERS.errorStack]: 'old' },
      { origin, consumerGroup: 'inventory', dedupeKey: 'm1', error: new Error('db said no'), reconsumeTimes: 2, dueAt: Date.UTC(2026, 0, 1), delayLevel: 4 },
    );
    expect(headers['outboxkit-message-id']).toEqual(Buffer.from('m1'));
    expect(headers.tenant).toBe('acme');
    expect(headers).toMatchObject({
      [CONSUMER_HEADERS.reconsumeTimes]: '2',
      [CONSUMER_HEADERS.dueAt]: '2026-01-01T00:00:00.000Z',
      [CONSUMER_HEADERS.delayLevel]: '4',
      [CONSUMER_HEADERS.consumerGroup]: 'inventory',
      [CONSUMER_HEADERS.originalTopic]: 'orders',
      [CONSUMER_HEADERS.originalPartition]: '2',
      [CONSUMER_HEADERS.originalOffset]: '41',
      [CONSUMER_HEADERS.dedupeKey]: 'm1',
      [CONSUMER_HEADERS.errorName]: 'Error',
      [CONSUMER_HEADERS.errorMessage]: 'db said no',
    });
    expect(String(headers[CONSUMER_HEADERS.errorStack])).toMatch(/^Error: db said no\n\s*at /);
  });

  it('put reason, time, error code and origin on a dead letter', () => {
    const headers = deadLetterHeaders(undefined, {
      origin,
      consumerGroup: 'inventory',
      dedupeKey: 'orders/2/41',
      error: new NonRetryableError('unknown sku'),
      reason: 'non-retryable',
      reconsumeTimes: 0,
      at: 0,
    });
    expect(headers).toMatchObject({
      [CONSUMER_HEADERS.deadLetterReason]: 'non-retryable',
      [CONSUMER_HEADERS.deadLetterAt]: '1970-01-01T00:00:00.000Z',
      [CONSUMER_HEADERS.errorCode]: 'OUTBOX_NON_RETRYABLE',
      [CONSUMER_HEADERS.errorName]: 'NonRetryableError',
      [CONSUMER_HEADERS.reconsumeTimes]: '0',
    });
    expect(headers[CONSUMER_HEADERS.dueAt]).toBeUndefined();
  });

  it('read the origin of a retried record from its headers, and of a first delivery from the record', () => {
    const first: ConsumedRecord = { topic: 'orders', partition: 1, message: { offset: '7', headers: {} } };
    expect(readDeliveryInfo(first)).toEqual({ topic: 'orders', partition: 1, offset: '7', reconsumeTimes: 0, dueAt: undefined });
    const retried: ConsumedRecord = {
      topic: 'inventory.retry',
      partition: 0,
      message: {
        offset: '3',
        headers: retryHeaders({}, { origin, consumerGroup: 'g', dedupeKey: 'k', error: 'x', reconsumeTimes: 1, dueAt: 5_000, delayLevel: 1 }) as never,
      },
    };
    expect(readDeliveryInfo(retried)).toEqual({ topic: 'orders', partition: 2, offset: '41', reconsumeTimes: 1, dueAt: 5_000 });
  });

  it('strip error and retry state on replay but keep identity and origin', () => {
    const dead = deadLetterHeaders({ 'outboxkit-message-id': 'm1', tenant: 'acme' }, {
      origin, consumerGroup: 'g', dedupeKey: 'm1', error: new Error('x'), reason: 'max-reconsume-times', reconsumeTimes: 16, at: 0,
    });
    const replayed = replayHeaders(dead, Date.UTC(2026, 5, 1));
    expect(replayed).toEqual({
      'outboxkit-message-id': 'm1',
      tenant: 'acme',
      [CONSUMER_HEADERS.originalTopic]: 'orders',
      [CONSUMER_HEADERS.originalPartition]: '2',
      [CONSUMER_HEADERS.originalOffset]: '41',
      [CONSUMER_HEADERS.dedupeKey]: 'm1',
      [CONSUMER_HEADERS.replayedAt]: '2026-06-01T00:00:00.000Z',
    });
  });

  it('summarise a stack to its first frames and ignore non-errors', () => {
    const error = new Error('line one\nline two');
    error.stack = `Error: line one\nline two\n${Array.from({ length: 20 }, (_, i) => `    at f${i} (file.ts:${i}:1)`).join('\n')}`;
    const summary = summarizeStack(error, 3)!;
    expect(summary.split('\n')).toEqual(['Error: line one', 'at f0 (file.ts:0:1)', 'at f1 (file.ts:1:1)', 'at f2 (file.ts:2:1)']);
    expect(summarizeStack('nope')).toBeUndefined();
  });
});
