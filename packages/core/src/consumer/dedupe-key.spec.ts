import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../inbox/consumed-record.js';
import { CONSUMER_HEADERS } from './consumer-headers.js';
import { resolveDedupeKey } from './dedupe-key.js';

const record = (headers: Record<string, string>, topic = 'orders'): ConsumedRecord => ({
  topic,
  partition: 3,
  message: { offset: '99', value: '{"orderId":"o-7"}', headers },
});
const byOrderId = (r: ConsumedRecord) => (JSON.parse(String(r.message.value)) as { orderId?: string }).orderId;

describe('dedupe key', () => {
  it('prefers the outboxkit message id', () => {
    expect(resolveDedupeKey(record({ 'outboxkit-message-id': 'm-1' }), byOrderId)).toEqual({ key: 'm-1', source: 'message-id' });
  });

  it('uses the extractor for records of other producers', () => {
    expect(resolveDedupeKey(record({}), byOrderId)).toEqual({ key: 'o-7', source: 'extractor' });
  });

  it('falls back to topic/partition/offset, the ORIGINAL one after a retry hop', () => {
    expect(resolveDedupeKey(record({}))).toEqual({ key: 'orders/3/99', source: 'offset' });
    const hopped = record(
      { [CONSUMER_HEADERS.originalTopic]: 'orders', [CONSUMER_HEADERS.originalPartition]: '0', [CONSUMER_HEADERS.originalOffset]: '5' },
      'g.retry',
    );
    expect(resolveDedupeKey(hopped)).toEqual({ key: 'orders/0/5', source: 'offset' });
  });

  it('keeps a carried key, and reports a throwing extractor', () => {
    expect(resolveDedupeKey(record({ [CONSUMER_HEADERS.dedupeKey]: 'carried' }), () => undefined)).toEqual({ key: 'carried', source: 'carried' });
    const result = resolveDedupeKey(record({}), () => {
      throw new Error('bad json');
    });
    expect(result.key).toBe('orders/3/99');
    expect((result.extractorError as Error).message).toBe('bad json');
  });
});
