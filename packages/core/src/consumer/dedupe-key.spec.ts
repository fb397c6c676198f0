import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../inbox/consumed-record.js';
import { CONSUMER_HEADERS } from './consumer-headers.js';
import { resolveDedupeKey } from './dedupe-key.js';

const record = (headers: Record<string, string | Buffer>, topic = 'orders'): ConsumedRecord => ({
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

  it('turns ids into keys losslessly: bytes that are not UTF-8, a NUL, an extractor\'s lone surrogate', () => {
    expect(resolveDedupeKey(record({ 'outboxkit-message-id': Buffer.from([0xff]) }))).toEqual({ key: '\\xff', source: 'message-id' });
    expect(resolveDedupeKey(record({ 'outboxkit-message-id': Buffer.from([0xfe]) }))).toEqual({ key: '\\xfe', source: 'message-id' });
    expect(resolveDedupeKey(record({ 'outboxkit-message-id': Buffer.from('a\u0000') }))).toEqual({ key: '\\x6100', source: 'message-id' });
    expect(resolveDedupeKey(record({}), () => '\uD800')).toEqual({ key: '\\xeda080', source: 'extractor' });
  });

  it('counts an empty id as none, and reports an extractor that returns neither text nor bytes', () => {
    expect(resolveDedupeKey(record({ 'outboxkit-message-id': Buffer.alloc(0) }))).toEqual({ key: 'orders/3/99', source: 'offset' });
    const result = resolveDedupeKey(record({}), () => 42 as never);
    expect(result.key).toBe('orders/3/99');
    expect((result.extractorError as Error).message).toMatch(/returned 42 \(number\); return a string, bytes or undefined/);
  });

  it('keeps a carried key that is an encoded one as it is (not encoded twice)', () => {
    expect(resolveDedupeKey(record({ [CONSUMER_HEADERS.dedupeKey]: Buffer.from('\\xff') }))).toEqual({ key: '\\xff', source: 'carried' });
  });
});
