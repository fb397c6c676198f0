import { describe, expect, it } from 'vitest';
import { checkStorableJson, MAX_JSON_DEPTH } from './storable-json.js';

const check = (value: unknown) => checkStorableJson(JSON.stringify(value));

describe('checkStorableJson', () => {
  it('finds a NUL or a lone surrogate and names where it is', () => {
    expect(check({ a: ['x', 'b\u0000'] })).toMatch(/the string at value\.a\[1\] that contains a NUL character/);
    expect(check({ 'odd key': { k: '\uDFFF' } })).toMatch(/value\["odd key"\]\.k that contains a lone surrogate/);
    expect(check({ ['\uD800']: 1 })).toMatch(/an object key at value\["\\ud800"\]/);
    expect(check('\u0000')).toMatch(/the string at value that/);
  });

  it('is not fooled by an escaped backslash followed by "u0000", and accepts surrogate pairs', () => {
    expect(check('\\u0000')).toBeUndefined();
    expect(check('\\\\u0000 \\ud800')).toBeUndefined();
    expect(check({ '\\ud800': '😀 𝄞' })).toBeUndefined();
    // An odd run of backslashes before the escape: the last one starts the escape.
    expect(check('\\\u0000')).toMatch(/NUL/);
  });

  it('refuses nesting deeper than MAX_JSON_DEPTH, counting only brackets outside strings', () => {
    const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
    expect(check(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(check(nested(MAX_JSON_DEPTH + 1))).toMatch(/nested 501 levels deep, above the limit of 500/);
    expect(check({ text: '['.repeat(5_000), quoted: '\\"[[[' })).toBeUndefined();
  });
});
