import { describe, expect, it } from 'vitest';
import { asError, describeError, thrownFacts } from './describe-error.js';
import { NonRetryableError } from './errors.js';

const revoked = Proxy.revocable({}, {});
revoked.revoke();
const throwingGetters = Object.create(null, {
  toString: { value: () => { throw new Error('no toString'); } },
  message: { get: () => { throw new Error('no message'); } },
  code: { get: () => { throw new Error('no code'); } },
}) as object;
const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;

describe('describeError', () => {
  it.each<[string, unknown, string]>([
    ['an Error', new TypeError('bad'), 'TypeError: bad'],
    ['an outboxkit error', new NonRetryableError('unknown sku'), 'NonRetryableError: unknown sku'],
    ['a kafkajs protocol error (its type first)', Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' }), 'MESSAGE_TOO_LARGE: too large'],
    ['an error-like object from another realm', { name: 'RangeError', message: 'far' }, 'RangeError: far'],
    ['a string', 'plain words', 'plain words'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a number', 42, '42'],
    ['a BigInt', 10n, '10'],
    ['a symbol', Symbol('nope'), 'Symbol(nope)'],
    ['a null-prototype object', Object.assign(Object.create(null), { reason: 'out of stock' }), '{"reason":"out of stock"}'],
    ['an empty null-prototype object', Object.create(null), '{}'],
    ['an object with its own toString', { toString: () => '5 EUR short' }, '5 EUR short'],
    ['an object whose toString and getters throw', throwingGetters, '{}'],
    ['a revoked Proxy', revoked.proxy, '[unprintable object]'],
    ['a cycle', cyclic, '[object Object]'],
  ])('never throws on %s', (_name, value, expected) => {
    expect(describeError(value)).toBe(expected);
  });

  it('spells out NUL, replaces lone surrogates and cuts long texts', () => {
    expect(describeError('a\u0000b\uD800')).toBe('a\\0b\uFFFD');
    expect(describeError('x'.repeat(2_000), 10)).toBe(`${'x'.repeat(9)}…`);
    // The cut must not leave half a surrogate pair.
    expect(describeError(`${'x'.repeat(8)}🦀🦀`, 10)).toBe(`${'x'.repeat(8)}\uFFFD…`);
  });
});

describe('thrownFacts', () => {
  it('reads name, message, code and stack of an error, and the kind of anything else', () => {
    const facts = thrownFacts(new NonRetryableError('no'));
    expect(facts).toMatchObject({ name: 'NonRetryableError', message: 'no', code: 'OUTBOX_NON_RETRYABLE' });
    expect(facts.stack).toMatch(/^NonRetryableError: no\n/);
    expect(thrownFacts({ code: 'ECONNRESET' })).toEqual({ name: 'object', message: '{"code":"ECONNRESET"}', code: 'ECONNRESET' });
    expect(thrownFacts(undefined)).toEqual({ name: 'undefined', message: 'undefined' });
    expect(thrownFacts(revoked.proxy)).toEqual({ name: 'object', message: '[unprintable object]' });
  });
});

describe('asError', () => {
  it('keeps an Error and wraps anything else, with the value as its cause', () => {
    const error = new Error('x');
    expect(asError(error)).toBe(error);
    const wrapped = asError(revoked.proxy);
    expect(wrapped).toBeInstanceOf(Error);
    expect(wrapped.message).toBe('[unprintable object]');
    expect(wrapped.cause).toBe(revoked.proxy);
  });
});
