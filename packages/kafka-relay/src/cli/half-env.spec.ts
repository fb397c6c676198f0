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

describe('the back-check settings, read through the relay\'s table (relay-env-variables.ts)', () => {
  it('refuses a fraction of a count, naming the variable (OUTBOX_MAX_CHECKS=1.5 was taken, and then refused as maxChecks)', () => {
    const error = refusal({ OUTBOX_MAX_CHECKS: '1.5' });
    expect(error.setting).toBe('OUTBOX_MAX_CHECKS');
    expect(error.message).toMatch(/^Invalid outboxkit setting OUTBOX_MAX_CHECKS: must be a whole number of at least 1 .*got "1\.5"/);
  });

  it('refuses zero where the setting needs at least 1, and takes it where 0 means something', () => {
    expect(refusal({ OUTBOX_CHECK_INTERVAL_MS: '0' }).setting).toBe('OUTBOX_CHECK_INTERVAL_MS');
    expect(refusal({ OUTBOX_CHECKER_RETRIES: '-1', OUTBOX_CHECKER_URL: 'http://app/c', OUTBOX_CHECKER_SECRET: 'sixteen-chars-ok' }).setting).toBe('OUTBOX_CHECKER_RETRIES');
    expect(halfMessagesFromEnv({ OUTBOX_CHECK_IMMUNITY_MS: '0' }, undefined)).toMatchObject({ checkImmunityMs: 0 });
  });

  it('OUTBOX_HALF_CHECKS: on or off, also as true/false (a JSON config file), any case; anything else is refused by name', () => {
    for (const off of ['off', 'OFF', 'false', 'no', '0']) expect(halfMessagesFromEnv({ OUTBOX_HALF_CHECKS: off }, undefined)).toBe(false);
    for (const on of ['on', 'True', 'yes', '1']) expect(halfMessagesFromEnv({ OUTBOX_HALF_CHECKS: on }, undefined)).not.toBe(false);
    expect(refusal({ OUTBOX_HALF_CHECKS: 'maybe' }).message).toMatch(/OUTBOX_HALF_CHECKS: must be on or off .*got "maybe"/);
  });
});
