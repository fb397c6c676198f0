import { describe, expect, it } from 'vitest';
import { deadLetterTopicFor, retryTopicFor } from './consumer-topics.js';
import { decodeJson, decodeRaw, decodeValue } from './decode.js';
import { MessageDecodeError } from '../errors.js';

describe('retry and dead-letter topic names', () => {
  it('follow <group>.retry and <group>.DLQ with characters Kafka refuses replaced', () => {
    expect(retryTopicFor('inventory')).toBe('inventory.retry');
    expect(deadLetterTopicFor('inventory')).toBe('inventory.DLQ');
    expect(deadLetterTopicFor('%team:billing/eu')).toBe('_team_billing_eu.DLQ');
    expect(retryTopicFor('x'.repeat(300))).toHaveLength(249);
  });
});

describe('decoders', () => {
  const at = (value: string | Buffer | null) => ({ topic: 't', partition: 0, message: { offset: '1', value } });
  it('decode JSON, tombstones as null, and refuse anything else with a typed error', () => {
    expect(decodeJson(at(Buffer.from('{"a":1}')))).toEqual({ a: 1 });
    expect(decodeJson(at(null))).toBeNull();
    expect(() => decodeJson(at('{oops'))).toThrow(MessageDecodeError);
    expect(decodeRaw(at('ab'))).toEqual(Buffer.from('ab'));
    expect(() => decodeValue(() => { throw new Error('custom'); }, at('x'))).toThrow(MessageDecodeError);
  });
});
