import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '@outboxkit/core';
import { halfMessagesFromEnv } from './half-env.js';

function refusal(env: NodeJS.ProcessEnv): InvalidConfigError {
  try {
    halfMessagesFromEnv(env, undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    return error as InvalidConfigError;
  }
  throw new Error('expected an InvalidConfigError');
}

describe('OUTBOX_CHECKER_SECRET', () => {
  const url = { OUTBOX_CHECKER_URL: 'http://app:3000/outboxkit/check' };

  it('too short: names the variable, states the rule and how to make one, never echoes the secret', () => {
    const secret = 'Short-Secret-15';
    const error = refusal({ ...url, OUTBOX_CHECKER_SECRET: secret });
    expect(error.setting).toBe('OUTBOX_CHECKER_SECRET');
    expect(error.message).toMatch(/^Invalid outboxkit setting OUTBOX_CHECKER_SECRET: is shorter than 16 characters: it must be at least 16 characters/);
    expect(error.message).toMatch(/openssl rand -hex 32/);
    expect(error.message).toMatch(/randomBytes\(32\)/);
    expect(error.message).not.toContain(secret);
  });

  it('missing with a checker URL: says it is required, and the same rule', () => {
    const error = refusal({ ...url });
    expect(error.message).toMatch(/OUTBOX_CHECKER_SECRET: is not set: .*must be at least 16 characters.*openssl rand -hex 32/);
  });

  it('16 characters will do', () => {
    expect(halfMessagesFromEnv({ ...url, OUTBOX_CHECKER_SECRET: 'sixteen-chars-ok' }, undefined)).toMatchObject({ checker: expect.anything() });
  });
});
