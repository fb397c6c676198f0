import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../errors.js';
import { decodeCheckAnswer, decodeCheckRequest, encodeCheckRequest } from './check-protocol.js';
import { checkerSecretProblem, constantTimeEqual, MIN_CHECKER_SECRET_LENGTH, signCheckRequest, verifyCheckSignature } from './check-signature.js';

const SECRET = 'a-shared-secret-of-some-length';

describe('check request signatures', () => {
  it('signs timestamp and body with HMAC-SHA256 and verifies them', () => {
    const { timestamp, signature } = signCheckRequest(SECRET, '{"a":1}', 1_700_000_000_000);
    expect(timestamp).toBe('1700000000000');
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyCheckSignature(SECRET, '{"a":1}', timestamp, signature, { now: 1_700_000_000_500 })).toBe(true);
  });

  it('refuses another secret, another body, a stale timestamp or a missing header', () => {
    const { timestamp, signature } = signCheckRequest(SECRET, 'body', 1_000_000);
    const now = { now: 1_000_000 };
    expect(verifyCheckSignature('another-secret-of-length', 'body', timestamp, signature, now)).toBe(false);
    expect(verifyCheckSignature(SECRET, 'body!', timestamp, signature, now)).toBe(false);
    expect(verifyCheckSignature(SECRET, 'body', timestamp, signature, { now: 1_000_000 + 300_001 })).toBe(false);
    expect(verifyCheckSignature(SECRET, 'body', '999999', signature, now)).toBe(false);
    expect(verifyCheckSignature(SECRET, 'body', undefined, signature, now)).toBe(false);
    expect(verifyCheckSignature(SECRET, 'body', timestamp, undefined, now)).toBe(false);
    expect(verifyCheckSignature(SECRET, 'body', 'NaN', signature, now)).toBe(false);
  });

  it('compares in constant time, including strings of other lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });

  it('refuses short secrets, saying the rule and how to make one, never the secret', () => {
    expect(() => signCheckRequest('short', 'x')).toThrow(InvalidConfigError);
    const secret = 'fifteen-chars!!';
    expect(secret).toHaveLength(15);
    const error = (() => {
      try {
        signCheckRequest(secret, 'x');
      } catch (thrown) {
        return thrown as InvalidConfigError;
      }
    })()!;
    expect(error.setting).toBe('checker secret');
    expect(error.message).toMatch(/is shorter than 16 characters: it must be at least 16 characters, the same string in the relay \(OUTBOX_CHECKER_SECRET\)/);
    expect(error.message).toContain('openssl rand -hex 32');
    expect(error.message).not.toContain(secret);
    expect(checkerSecretProblem(`${secret}x`)).toBeUndefined();
    expect(checkerSecretProblem(undefined)).toMatch(/^is not a string/);
    expect(MIN_CHECKER_SECRET_LENGTH).toBe(16);
  });
});

describe('check protocol', () => {
  it('round-trips a message, JSON and bytes values', () => {
    const base = {
      id: '0190a6f2-0000-7000-8000-000000000001', topic: 't', key: 'k', type: null, headers: { h: 'v' },
      producerGroup: 'g', transactionId: 'tx', checkCount: 2, createdAt: new Date('2026-01-01T00:00:00.000Z'),
    };
    expect(decodeCheckRequest(encodeCheckRequest({ ...base, value: { n: 1 } }))).toEqual({ ...base, value: { n: 1 } });
    const bytes = decodeCheckRequest(encodeCheckRequest({ ...base, value: new Uint8Array([1, 2, 255]) }));
    expect([...(bytes.value as Uint8Array)]).toEqual([1, 2, 255]);
  });

  it('rejects malformed requests and answers', () => {
    expect(() => decodeCheckRequest('{"protocol":2}')).toThrow(/protocol/);
    expect(() => decodeCheckRequest('{"protocol":1,"message":{"id":1}}')).toThrow(/message.id/);
    expect(decodeCheckAnswer('{"state":"COMMIT"}')).toBe('COMMIT');
    expect(decodeCheckAnswer('{"state":"MAYBE"}')).toBeUndefined();
    expect(decodeCheckAnswer('not json')).toBeUndefined();
  });
});
