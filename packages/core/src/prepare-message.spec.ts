import { describe, expect, it } from 'vitest';
import { InvalidMessageError, MessageSerializationError, MessageTooLargeError } from './errors.js';
import { prepareMessage } from './prepare-message.js';
import { isUuid } from './message-id.js';

const options = { maxMessageBytes: 1000 };

describe('prepareMessage', () => {
  it('encodes JSON values and assigns a UUIDv7 id', () => {
    const prepared = prepareMessage({ topic: 'orders.created', key: 'o-1', value: { a: 1 }, type: 'OrderCreated' }, options);
    expect(isUuid(prepared.id)).toBe(true);
    expect(prepared.id[14]).toBe('7');
    expect(prepared.payloadJson).toBe('{"a":1}');
    expect(prepared.payloadBytes).toBeNull();
    expect(prepared.key).toBe('o-1');
    expect(prepared.type).toBe('OrderCreated');
  });

  it('keeps raw bytes as bytes', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const prepared = prepareMessage({ topic: 't', value: bytes }, options);
    expect(prepared.payloadJson).toBeNull();
    expect(prepared.payloadBytes).toBe(bytes);
  });

  it('rejects BigInt and cycles with a typed serialisation error', () => {
    expect(() => prepareMessage({ topic: 't', value: { n: 10n } }, options)).toThrow(MessageSerializationError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => prepareMessage({ topic: 't', value: cyclic }, options)).toThrow(/cyclic|circular/i);
    expect(() => prepareMessage({ topic: 't', value: undefined }, options)).toThrow(MessageSerializationError);
    expect(() => prepareMessage({ topic: 't', value: 'a\u0000b' }, options)).toThrow(/NUL/);
  });

  it('rejects a value whose toJSON throws something String() cannot print, with the typed error', () => {
    const value = {
      toJSON() {
        throw Object.create(null);
      },
    };
    expect(() => prepareMessage({ topic: 't', value }, options)).toThrow(MessageSerializationError);
  });

  it('rejects a missing or invalid topic, naming the field', () => {
    expect(() => prepareMessage({ value: 1 } as never, options)).toThrow(InvalidMessageError);
    try {
      prepareMessage({ topic: 'bad topic!', value: 1 }, options);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidMessageError);
      expect((error as InvalidMessageError).field).toBe('topic');
      expect((error as InvalidMessageError).code).toBe('OUTBOX_INVALID_MESSAGE');
    }
  });

  it('rejects non-string keys, reserved and non-string headers', () => {
    expect(() => prepareMessage({ topic: 't', key: 5 as never, value: 1 }, options)).toThrow(/key/);
    expect(() => prepareMessage({ topic: 't', value: 1, headers: { 'outboxkit-message-id': 'x' } }, options)).toThrow(/reserved/);
    expect(() => prepareMessage({ topic: 't', value: 1, headers: { a: 1 as never } }, options)).toThrow(/string/);
  });

  it('bounds the key and the headers (with the type) by the limits it is given, in UTF-8 bytes', () => {
    const limits = { maxMessageBytes: 1000, maxKeyBytes: 4, maxHeaderBytes: 6 };
    expect(() => prepareMessage({ topic: 't', key: 'abcd', value: 1 }, limits)).not.toThrow();
    expect(() => prepareMessage({ topic: 't', key: 'abé', value: 1 }, limits)).not.toThrow();
    expect(() => prepareMessage({ topic: 't', key: 'abcé', value: 1 }, limits)).toThrow(/key is 5 bytes \(UTF-8\), above the limit of 4 \(maxKeyBytes\)/);
    expect(() => prepareMessage({ topic: 't', type: 'T', headers: { h: 'vvvv' }, value: 1 }, limits)).not.toThrow();
    expect(() => prepareMessage({ topic: 't', type: 'TT', headers: { h: 'vvvv' }, value: 1 }, limits)).toThrow(/headers take 7 bytes/);
    // Without limits of its own, the Outbox defaults apply.
    expect(() => prepareMessage({ topic: 't', key: 'k'.repeat(1_025), value: 1 }, { maxMessageBytes: 1e6 })).toThrow(/maxKeyBytes/);
  });

  it('rejects a message above maxMessageBytes, counting key and headers', () => {
    expect(() => prepareMessage({ topic: 't', value: 'x'.repeat(990), key: 'k'.repeat(20) }, options)).toThrow(MessageTooLargeError);
    expect(() => prepareMessage({ topic: 't', value: 'x'.repeat(900) }, options)).not.toThrow();
  });
});
