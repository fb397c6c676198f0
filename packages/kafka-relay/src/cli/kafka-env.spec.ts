import { InvalidConfigError } from '@outboxkit/core';
import { describe, expect, it } from 'vitest';
import { kafkaConnectionFromEnv } from './kafka-env.js';
import { relayOptionsFromEnv } from './relay-env.js';
import { replayOptionsFromArgs } from './replay-command.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nTOP-SECRET-KEY\n-----END PRIVATE KEY-----\n';
const PASSWORD = 'hunter2-kafka-password';
const FILES: Record<string, string> = {
  '/run/secrets/ca.pem': CA,
  '/run/secrets/client.pem': CA,
  '/run/secrets/client.key': KEY,
  '/run/secrets/password': `${PASSWORD}\n`,
  '/run/secrets/two-lines': 'line one\nline two\n',
  '/run/secrets/not-pem': 'TOP-SECRET-NOT-PEM',
};
const readFile = (path: string) => {
  if (path in FILES) return FILES[path]!;
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};
const fromEnv = (env: Record<string, string>) => kafkaConnectionFromEnv(env, readFile);

function refusal(env: Record<string, string>): InvalidConfigError {
  try {
    fromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    const refused = error as InvalidConfigError;
    for (const secret of [PASSWORD, 'TOP-SECRET']) expect(refused.message).not.toContain(secret);
    return refused;
  }
  throw new Error('expected an InvalidConfigError');
}

describe('kafkaConnectionFromEnv', () => {
  it('is undefined when nothing is set (plaintext, as before)', () => {
    expect(fromEnv({ KAFKA_BROKERS: 'k:9092' })).toBeUndefined();
  });

  it('reads TLS files, SASL with a password file, timeouts and compression', () => {
    expect(
      fromEnv({
        KAFKA_SSL_CA_FILE: '/run/secrets/ca.pem',
        KAFKA_SSL_CERT_FILE: '/run/secrets/client.pem',
        KAFKA_SSL_KEY_FILE: '/run/secrets/client.key',
        KAFKA_SSL_SERVERNAME: 'kafka.internal',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'alice',
        KAFKA_SASL_PASSWORD_FILE: '/run/secrets/password',
        KAFKA_CONNECTION_TIMEOUT_MS: '5000',
        KAFKA_AUTHENTICATION_TIMEOUT_MS: '6000',
        KAFKA_REQUEST_TIMEOUT_MS: '20000',
        OUTBOX_COMPRESSION: 'gzip',
      }),
    ).toEqual({
      ssl: { ca: CA, cert: CA, key: KEY, servername: 'kafka.internal' },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: PASSWORD },
      connectionTimeoutMs: 5000,
      authenticationTimeoutMs: 6000,
      requestTimeoutMs: 20000,
      compression: 'gzip',
    });
    expect(fromEnv({ KAFKA_SSL: 'on' })).toEqual({ ssl: true });
    expect(fromEnv({ KAFKA_SSL: 'on', KAFKA_SSL_REJECT_UNAUTHORIZED: 'off' })).toEqual({ ssl: { rejectUnauthorized: false } });
    expect(fromEnv({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'a', KAFKA_SASL_PASSWORD: PASSWORD })).toEqual({
      sasl: { mechanism: 'plain', username: 'a', password: PASSWORD },
    });
  });

  it('refuses bad values and combinations, naming the variable, never showing a secret', () => {
    expect(refusal({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'a', KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_SASL_PASSWORD_FILE: '/run/secrets/password' }).message).toMatch(
      /KAFKA_SASL_PASSWORD: and KAFKA_SASL_PASSWORD_FILE are both set/,
    );
    expect(refusal({ KAFKA_SASL_MECHANISM: 'oauthbearer' }).setting).toBe('KAFKA_SASL_MECHANISM');
    expect(refusal({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_PASSWORD: PASSWORD }).setting).toBe('KAFKA_SASL_USERNAME');
    expect(refusal({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'a' }).setting).toBe('KAFKA_SASL_PASSWORD');
    expect(refusal({ KAFKA_SASL_USERNAME: 'a', KAFKA_SASL_PASSWORD: PASSWORD }).setting).toBe('KAFKA_SASL_MECHANISM');
    expect(refusal({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'a', KAFKA_SASL_PASSWORD_FILE: '/run/secrets/two-lines' }).setting).toBe('KAFKA_SASL_PASSWORD_FILE');
    expect(refusal({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'a', KAFKA_SASL_PASSWORD: `${PASSWORD}\u0001` }).setting).toBe('KAFKA_SASL_PASSWORD');
    expect(refusal({ KAFKA_SSL_CA_FILE: '/nowhere/ca.pem' }).message).toMatch(/KAFKA_SSL_CA_FILE: cannot read "\/nowhere\/ca.pem" \(no such file\)/);
    expect(refusal({ KAFKA_SSL_CA_FILE: '/run/secrets/not-pem' }).message).toMatch(/KAFKA_SSL_CA_FILE: is not a PEM CA certificate/);
    expect(refusal({ KAFKA_SSL_CERT_FILE: '/run/secrets/client.pem' }).message).toMatch(/KAFKA_SSL_KEY_FILE: .*KAFKA_SSL_CERT_FILE with KAFKA_SSL_KEY_FILE/);
    expect(refusal({ KAFKA_SSL_CERT_FILE: '/run/secrets/client.pem', KAFKA_SSL_KEY_FILE: '/run/secrets/not-pem' }).setting).toBe('KAFKA_SSL_KEY_FILE');
    expect(refusal({ KAFKA_SSL: 'off', KAFKA_SSL_CA_FILE: '/run/secrets/ca.pem' }).message).toMatch(/KAFKA_SSL: is off, but KAFKA_SSL_CA_FILE is set/);
    expect(refusal({ KAFKA_SSL: 'yes' }).setting).toBe('KAFKA_SSL');
    expect(refusal({ KAFKA_REQUEST_TIMEOUT_MS: '0' }).setting).toBe('KAFKA_REQUEST_TIMEOUT_MS');
    expect(refusal({ OUTBOX_COMPRESSION: 'snappy' }).setting).toBe('OUTBOX_COMPRESSION');
  });

  it('feeds the relay and the replay command', () => {
    const env = {
      DATABASE_URL: 'postgres://u@db:5432/app',
      KAFKA_BROKERS: 'k:9093',
      KAFKA_SSL: 'on',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'alice',
      KAFKA_SASL_PASSWORD: PASSWORD,
      OUTBOX_LOG_LEVEL: 'silent',
    };
    const expected = { ssl: true, sasl: { mechanism: 'scram-sha-256', username: 'alice', password: PASSWORD } };
    expect(relayOptionsFromEnv(env).kafkaConnection).toEqual(expected);
    expect(replayOptionsFromArgs(['--group', 'g', '--all'], env).kafkaConnection).toEqual(expected);
    expect(() => relayOptionsFromEnv({ ...env, KAFKA_SASL_USERNAME: '' })).toThrow(/KAFKA_SASL_USERNAME: is not set/);
  });
});
