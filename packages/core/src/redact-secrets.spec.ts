import { describe, expect, it } from 'vitest';
import { redactError, redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it.each([
    ['postgres://app:s3cr3t@db.internal:5432/orders', 'postgres://app:***@db.internal:5432/orders'],
    ['cannot reach https://svc:hunter2@pay.internal/v1?x=1', 'cannot reach https://svc:***@pay.internal/v1?x=1'],
    ['GET /capture?token=abc123&id=7', 'GET /capture?token=***&id=7'],
    ['host=db password=pw user=app', 'host=db password=*** user=app'],
    ['{"apiKey":"k-1","id":2}', '{"apiKey":"***","id":2}'],
    ['client_secret: xyz, next', 'client_secret: ***, next'],
    ['Authorization: Bearer eyJhbGciOi.abc.def', 'Authorization: Bearer ***'],
  ])('%s', (text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('keeps text without secrets as it is', () => {
    const text = 'connect ECONNREFUSED 127.0.0.1:5432 (http://db.internal:5432/x)';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactError', () => {
  it('redacts message, stack and cause, and never throws on odd values', () => {
    const error = new Error('at postgres://u:pw@h/db', { cause: new Error('token=t0k') });
    const redacted = redactError(error);
    expect(JSON.stringify(redacted)).not.toMatch(/pw@|t0k/);
    expect(redacted).toMatchObject({ name: 'Error', message: 'at postgres://u:***@h/db', cause: { message: 'token=***' } });
    expect(redactError(Object.create(null)).message).toBe('{}');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(redactError(loop).message).toBe('[object Object]');
    expect(redactError('password=x').message).toBe('password=***');
  });
});
