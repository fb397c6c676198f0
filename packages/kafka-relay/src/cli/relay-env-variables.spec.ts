import { InvalidConfigError } from '@outboxkit/core';
import { describe, expect, it } from 'vitest';
import { readRelayEnv, RELAY_ENV_VARIABLES, relayEnvHelp } from './relay-env-variables.js';

const variable = (name: string) => RELAY_ENV_VARIABLES.find((v) => v.name === name)!;

describe('RELAY_ENV_VARIABLES', () => {
  it('lists each variable once, and --help shows every one with its default', () => {
    const names = RELAY_ENV_VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    const help = relayEnvHelp();
    for (const v of RELAY_ENV_VARIABLES) expect(help).toContain(v.name);
    expect(help).toMatch(/OUTBOX_BATCH_SIZE +rows claimed and published per batch; default 500/);
    expect(help).toMatch(/OUTBOX_RETENTION +.*\(keep \| delete\); default keep/);
  });
});

describe('readRelayEnv', () => {
  it('reads each kind; unset and blank are undefined', () => {
    expect(readRelayEnv({}, variable('OUTBOX_BATCH_SIZE'))).toBeUndefined();
    expect(readRelayEnv({ OUTBOX_BATCH_SIZE: '  ' }, variable('OUTBOX_BATCH_SIZE'))).toBeUndefined();
    expect(readRelayEnv({ OUTBOX_BATCH_SIZE: ' 250 ' }, variable('OUTBOX_BATCH_SIZE'))).toBe(250);
    expect(readRelayEnv({ OUTBOX_RETENTION_MS: 'forever' }, variable('OUTBOX_RETENTION_MS'))).toBeNull();
    expect(readRelayEnv({ OUTBOX_HTTP_PORT: '0' }, variable('OUTBOX_HTTP_PORT'))).toBe(0);
    expect(readRelayEnv({ OUTBOX_HTTP_HOST: '::' }, variable('OUTBOX_HTTP_HOST'))).toBe('::');
    expect(readRelayEnv({ KAFKA_BROKERS: 'k1:9092, [::1]:9093' }, variable('KAFKA_BROKERS'))).toEqual(['k1:9092', '[::1]:9093']);
    expect(readRelayEnv({ DATABASE_URL: 'postgresql:///app?host=/run/pg' }, variable('DATABASE_URL'))).toBe('postgresql:///app?host=/run/pg');
  });

  it('refuses a value that does not fit, naming the variable, never echoing DATABASE_URL', () => {
    expect(() => readRelayEnv({ OUTBOX_PARTITIONS: '9007199254740993' }, variable('OUTBOX_PARTITIONS'))).toThrow(InvalidConfigError);
    expect(() => readRelayEnv({ OUTBOX_PARTITIONS: '0x10' }, variable('OUTBOX_PARTITIONS'))).toThrow(/OUTBOX_PARTITIONS: must be a whole number/);
    const error = (() => {
      try {
        readRelayEnv({ DATABASE_URL: 'postgres://u:topsecret@db:99999/x' }, variable('DATABASE_URL'));
      } catch (thrown) {
        return thrown as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error!.message).not.toContain('topsecret');
  });
});
