import { InvalidConfigError, silentLogger } from '@outboxkit/core';
import { CompressionTypes, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaClient, resolveKafkaConnection } from './kafka-connection.js';
import { explainKafkaError, KafkaAuthenticationError, KafkaTlsError } from './kafka-errors.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nTOP-SECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n';
const PASSWORD = 'hunter2-kafka-password';

function refusal(fn: () => unknown): InvalidConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    return error as InvalidConfigError;
  }
  throw new Error('expected an InvalidConfigError');
}

describe('resolveKafkaConnection', () => {
  it('turns TLS, SASL, timeouts and compression into kafkajs settings, and describes them without secrets', () => {
    const resolved = resolveKafkaConnection({
      ssl: { ca: CA, cert: CA, key: KEY, passphrase: 'key-pass', servername: 'kafka.internal', rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: PASSWORD },
      connectionTimeoutMs: 5_000,
      authenticationTimeoutMs: 7_000,
      requestTimeoutMs: 20_000,
      compression: 'gzip',
    });
    expect(resolved.config).toMatchObject({
      ssl: { ca: CA, cert: CA, key: KEY, passphrase: 'key-pass', servername: 'kafka.internal', rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: PASSWORD },
      connectionTimeout: 5_000,
      authenticationTimeout: 7_000,
      requestTimeout: 20_000,
    });
    expect(resolved.compression).toBe(CompressionTypes.GZIP);
    expect(resolved.description).toEqual({
      tls: { ca: 'given', clientCertificate: true, servername: 'kafka.internal', rejectUnauthorized: true },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice' },
      connectionTimeoutMs: 5_000,
      authenticationTimeoutMs: 7_000,
      requestTimeoutMs: 20_000,
      compression: 'gzip',
    });
    const described = JSON.stringify(resolved.description);
    for (const secret of [PASSWORD, 'TOP-SECRET-KEY-MATERIAL', 'key-pass', 'MIIB']) expect(described).not.toContain(secret);
  });

  it("defaults to plaintext with kafkajs's timeouts; ssl: true uses the public CAs", () => {
    expect(resolveKafkaConnection(undefined)).toMatchObject({
      config: { connectionTimeout: 1_000, authenticationTimeout: 10_000, requestTimeout: 30_000 },
      compression: CompressionTypes.None,
      description: { tls: false, sasl: false, compression: 'none' },
    });
    expect(resolveKafkaConnection({ ssl: true })).toMatchObject({ config: { ssl: true }, description: { tls: { ca: 'public CAs' } } });
    expect(resolveKafkaConnection({ sasl: { mechanism: 'PLAIN' as 'plain', username: 'u', password: 'p' } }).config.sasl).toMatchObject({ mechanism: 'plain' });
  });

  it('takes an OAUTHBEARER token provider', async () => {
    const provider = async () => ({ value: 'token-123' });
    const resolved = resolveKafkaConnection({ sasl: { mechanism: 'oauthbearer', oauthBearerProvider: provider } });
    expect(resolved.config.sasl).toEqual({ mechanism: 'oauthbearer', oauthBearerProvider: provider });
    expect(resolved.description.sasl).toEqual({ mechanism: 'OAUTHBEARER' });
  });

  it('refuses what would fail later, naming the setting and never showing a secret', () => {
    expect(refusal(() => resolveKafkaConnection({ ssl: { ca: 'not a pem' } })).setting).toBe('kafkaConnection.ssl.ca');
    expect(refusal(() => resolveKafkaConnection({ ssl: { ca: CA, key: KEY } })).setting).toBe('kafkaConnection.ssl.cert');
    const badKey = refusal(() => resolveKafkaConnection({ ssl: { cert: CA, key: 'TOP-SECRET-KEY-MATERIAL' } }));
    expect(badKey.setting).toBe('kafkaConnection.ssl.key');
    expect(badKey.message).not.toContain('TOP-SECRET');
    expect(refusal(() => resolveKafkaConnection({ ssl: { rejectUnauthorized: 'no' as unknown as boolean } })).setting).toBe('kafkaConnection.ssl.rejectUnauthorized');
    expect(refusal(() => resolveKafkaConnection({ sasl: { mechanism: 'gssapi' as 'plain', username: 'u', password: PASSWORD } })).setting).toBe('kafkaConnection.sasl.mechanism');
    const noPassword = refusal(() => resolveKafkaConnection({ sasl: { mechanism: 'scram-sha-256', username: 'u', password: '' } }));
    expect(noPassword.setting).toBe('kafkaConnection.sasl.password');
    expect(refusal(() => resolveKafkaConnection({ sasl: { mechanism: 'oauthbearer' } as never })).setting).toBe('kafkaConnection.sasl.oauthBearerProvider');
    expect(refusal(() => resolveKafkaConnection({ requestTimeoutMs: 0 })).setting).toBe('kafkaConnection.requestTimeoutMs');
    expect(refusal(() => resolveKafkaConnection({ compression: 'brotli' as 'gzip' })).setting).toBe('kafkaConnection.compression');
  });

  it('refuses a compression whose codec kafkajs lacks, saying how to register one', () => {
    const error = refusal(() => resolveKafkaConnection({ compression: 'zstd' }));
    expect(error.message).toMatch(/no zstd codec registered.*CompressionCodecs\[CompressionTypes\.ZSTD\]/);
  });
});

describe('kafkaClient', () => {
  it('uses a given kafkajs client, and refuses connection settings that would not apply to it', () => {
    const given = new Kafka({ brokers: ['127.0.0.1:1'] });
    const client = kafkaClient({ kafka: given, kafkaConnection: { compression: 'gzip' } }, { clientId: 'x', retry: {} }, silentLogger);
    expect(client.kafka).toBe(given);
    expect(client.connection.compression).toBe(CompressionTypes.GZIP);
    expect(refusal(() => kafkaClient({ kafka: given, kafkaConnection: { ssl: true } }, { clientId: 'x', retry: {} }, silentLogger)).setting).toBe(
      'kafkaConnection.ssl',
    );
  });

  it('describes brokers and connection without the password', () => {
    const client = kafkaClient(
      { brokers: ['kafka:9093'], kafkaConnection: { ssl: true, sasl: { mechanism: 'scram-sha-256', username: 'alice', password: PASSWORD } } },
      { clientId: 'x', retry: {} },
      silentLogger,
    );
    expect(client.describe()).toMatchObject({ brokers: ['kafka:9093'], sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice' } });
    expect(JSON.stringify(client.describe())).not.toContain(PASSWORD);
    // The secrets live only inside the kafkajs client, not on what the relay and consumer keep.
    expect(JSON.stringify(client.connection)).not.toContain(PASSWORD);
  });

  it('warns that SASL PLAIN without TLS sends the password in clear text', () => {
    const warnings: string[] = [];
    kafkaClient(
      { brokers: ['kafka:9092'], kafkaConnection: { sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD } } },
      { clientId: 'x', retry: {} },
      { ...silentLogger, warn: (message) => void warnings.push(message) },
    );
    expect(warnings).toEqual([expect.stringMatching(/clear text/)]);
  });
});

describe('explainKafkaError', () => {
  const client = kafkaClient(
    { brokers: ['kafka:9093'], kafkaConnection: { ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: PASSWORD } } },
    { clientId: 'x', retry: {} },
    silentLogger,
  );
  const kafkaError = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

  it("restates kafkajs's refused login as a KafkaAuthenticationError naming mechanism and user, not the password", () => {
    const cause = kafkaError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed: invalid credentials');
    const error = explainKafkaError(cause, client) as KafkaAuthenticationError;
    expect(error).toBeInstanceOf(KafkaAuthenticationError);
    expect(error).toMatchObject({ code: 'OUTBOX_KAFKA_AUTHENTICATION', retriable: false, mechanism: 'SCRAM-SHA-512', username: 'alice', cause });
    expect(error.message).toMatch(/Kafka at kafka:9093 refused the SCRAM-SHA-512 login of user "alice" .*KAFKA_SASL_PASSWORD_FILE/);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('finds TLS failures inside kafkajs retry wrappers, by problem', () => {
    const wrapped = (code: string, message: string) =>
      kafkaError('KafkaJSNumberOfRetriesExceeded', message, { cause: kafkaError('KafkaJSConnectionError', `Connection error: ${message}`, { code, broker: 'kafka:9093' }) });
    const untrusted = explainKafkaError(wrapped('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), client) as KafkaTlsError;
    expect(untrusted).toBeInstanceOf(KafkaTlsError);
    expect(untrusted).toMatchObject({ code: 'OUTBOX_KAFKA_TLS', problem: 'untrusted', tlsCode: 'SELF_SIGNED_CERT_IN_CHAIN', broker: 'kafka:9093' });
    expect(untrusted.message).toMatch(/not trusted .*KAFKA_SSL_CA_FILE/);
    expect(explainKafkaError(wrapped('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), client)).toMatchObject({ problem: 'hostname' });
    expect(explainKafkaError(wrapped('CERT_HAS_EXPIRED', 'certificate has expired'), client)).toMatchObject({ problem: 'expired' });
    expect(explainKafkaError(wrapped('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), client)).toMatchObject({ problem: 'handshake' });
    const noClientCertificate = explainKafkaError(wrapped('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'sslv3 alert bad certificate'), client) as KafkaTlsError;
    expect(noClientCertificate).toMatchObject({ problem: 'client-certificate' });
    expect(noClientCertificate.message).toMatch(/KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE/);
  });

  it('returns every other error as it is', () => {
    const refused = kafkaError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED', { code: 'ECONNREFUSED' });
    expect(explainKafkaError(refused, client)).toBe(refused);
    expect(explainKafkaError('a string', client)).toBe('a string');
    expect(explainKafkaError(null, client)).toBeNull();
  });
});
