import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeDedupeKey, isStorableDedupeKey, MAX_DEDUPE_KEY_BYTES, storableDedupeKey } from './dedupe-key-encoding.js';

const bytes = (...values: number[]) => Buffer.from(values);

describe('encodeDedupeKey', () => {
  it('keeps ids that are storable text as they are (outboxkit UUIDs, existing receipts)', () => {
    const uuid = randomUUID();
    expect(encodeDedupeKey(uuid)).toBe(uuid);
    expect(encodeDedupeKey(Buffer.from(uuid))).toBe(uuid);
    expect(encodeDedupeKey(Buffer.from('\uFEFF🦀-order'))).toBe('\uFEFF🦀-order');
  });

  it('gives bytes that are not UTF-8 distinct, stable keys (ff and fe are two ids)', () => {
    expect(encodeDedupeKey(bytes(0xff))).toBe('\\xff');
    expect(encodeDedupeKey(bytes(0xfe))).toBe('\\xfe');
    expect(encodeDedupeKey(bytes(0xff))).toBe(encodeDedupeKey(new Uint8Array([0xff])));
    // A UTF-8-encoded surrogate is not valid UTF-8 either.
    expect(encodeDedupeKey(bytes(0xed, 0xa0, 0x80))).toBe('\\xeda080');
  });

  it('encodes what PostgreSQL TEXT cannot hold: a NUL, a lone surrogate', () => {
    expect(encodeDedupeKey(Buffer.from('a\u0000b'))).toBe('\\x610062');
    expect(encodeDedupeKey('a\u0000b')).toBe('\\x610062');
    // A lone surrogate has the bytes a UTF-8 encoder gives its code point (WTF-8), so \uD800 and \uD801 differ.
    expect(encodeDedupeKey('\uD800')).toBe('\\xeda080');
    expect(encodeDedupeKey('\uD801')).toBe('\\xeda081');
    expect(encodeDedupeKey('x\uDC00🦀')).toBe(`\\x78edb080${Buffer.from('🦀').toString('hex')}`);
  });

  it('escapes text starting with a backslash, so no id can pose as an encoded one', () => {
    expect(encodeDedupeKey('\\xff')).toBe('\\x5c786666');
    expect(encodeDedupeKey('\\xff')).not.toBe(encodeDedupeKey(bytes(0xff)));
    expect(encodeDedupeKey('\\')).toBe('\\x5c');
  });

  it('stores an id longer than 1024 bytes as its SHA-256', () => {
    const long = 'x'.repeat(MAX_DEDUPE_KEY_BYTES + 1);
    expect(encodeDedupeKey('x'.repeat(MAX_DEDUPE_KEY_BYTES))).toBe('x'.repeat(MAX_DEDUPE_KEY_BYTES));
    expect(encodeDedupeKey(long)).toBe(`\\sha256:${createHash('sha256').update(long).digest('hex')}`);
    // Bytes whose hex form would be too long (511 bytes fit, 512 do not).
    expect(encodeDedupeKey(Buffer.alloc(511, 0xff))).toBe(`\\x${'ff'.repeat(511)}`);
    expect(encodeDedupeKey(Buffer.alloc(512, 0xff))).toMatch(/^\\sha256:[0-9a-f]{64}$/);
  });

  it('always returns a storable key', () => {
    for (const id of ['plain', 'a\u0000', '\uD800', '\\x', 'y'.repeat(5_000), bytes(0xff), bytes(0, 0), Buffer.alloc(4_000, 0x80)]) {
      expect(isStorableDedupeKey(encodeDedupeKey(id))).toBe(true);
    }
  });
});

describe('storableDedupeKey', () => {
  it('keeps a key that is storable, an encoded one included, and encodes one that is not', () => {
    expect(storableDedupeKey('\\xff')).toBe('\\xff');
    expect(storableDedupeKey('orders/0/7')).toBe('orders/0/7');
    expect(storableDedupeKey('a\u0000b')).toBe('\\x610062');
    expect(isStorableDedupeKey('')).toBe(false);
  });
});
