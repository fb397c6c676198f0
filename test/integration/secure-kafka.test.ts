// Secured Kafka for real: a broker of its own with a SASL_SSL listener (scripts/kafka/secure.mjs:
// keytool certificates, SCRAM users written at format time). The relay publishes and the inbox
// consumer consumes through it; a wrong password and an untrusted CA fail at once with a typed
// error that says what to fix, without the password; the sidecar runs on the same listener from
// environment variables, its password read from a file, and never prints it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, type Logger } from '@outboxkit/core';
import { createInboxConsumer, KafkaAuthenticationError, KafkaTlsError, Relay, type KafkaConnectionOptions } from '@outboxkit/kafka-relay';
import { replayDeadLetters } from '@outboxkit/kafka-relay/internal';
// @ts-expect-error plain ESM helper shared with the scripts
import { hasOpenssl, startSecureKafka } from '../../scripts/kafka/secure.mjs';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';
import { createTopic } from '@outboxkit/test-support/kafka';
import { startRelayProcess } from '@outboxkit/test-support/relay-process';
import { uniqueName } from '@outboxkit/test-support/servers';
import { waitFor } from '@outboxkit/test-support/wait';
import { statusCounts } from '../../packages/kafka-relay/test/integration/relay-support.js';

interface SecureKafka {
  brokers: string;
  secureBrokers: string;
  caPem: string;
  caFile: string;
  untrustedCaPem: string;
  users: Array<{ name: string; password: string }>;
  /** With openssl (it exports keytool's client key as PEM): an SSL listener that requires a client certificate. */
  mtlsBrokers?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  stop(): Promise<void>;
}

// The client-certificate case needs openssl (it turns keytool's PKCS12 client store into PEM).
// Without it the case fails and says so: a test that cannot run its servers never skips.
const HAS_OPENSSL = (hasOpenssl as () => boolean)();

/** A failure must come within this: kafkajs's retries are a few seconds; a hang would be the request timeout or worse. */
const FAILS_WITHIN_MS = 20_000;

let kafka: SecureKafka;
let db: OutboxTestDatabase;
let secretsDir: string;
let user: { name: string; password: string };
let wrongPassword: string;

beforeAll(async () => {
  [kafka, db, secretsDir] = await Promise.all([
    startSecureKafka() as Promise<SecureKafka>,
    openOutboxTestDatabase('ok_secure_kafka'),
    mkdtemp(join(tmpdir(), 'outboxkit-secure-test-')),
  ]);
  user = kafka.users[0]!;
  wrongPassword = `wrong-${randomBytes(8).toString('hex')}`;
  await writeFile(join(secretsDir, 'password'), `${user.password}\n`, { mode: 0o600 });
  await writeFile(join(secretsDir, 'wrong-password'), `${wrongPassword}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await closeOutboxTestDatabase(db ?? {});
  await kafka?.stop();
  if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
});

function connection(overrides: Partial<KafkaConnectionOptions> = {}): KafkaConnectionOptions {
  return {
    ssl: { ca: kafka.caPem },
    sasl: { mechanism: 'scram-sha-512', username: user.name, password: user.password },
    // A loaded machine's TLS handshake can take longer than kafkajs's 1 s default.
    connectionTimeoutMs: 10_000,
    ...overrides,
  };
}

/** A logger that keeps every line as the JSON the console logger would write (errors by name, message and code). */
function capturingLogger(): Logger & { text(): string; lines: Array<{ message: string; fields?: Record<string, unknown> }> } {
  const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const write = (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields });
  const replacer = (_key: string, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message, cause: value.cause } : value);
  return { debug: write, info: write, warn: write, error: write, lines, text: () => JSON.stringify(lines, replacer) };
}

function newRelay(kafkaConnection: KafkaConnectionOptions, logger: Logger) {
  return new Relay({ databaseUrl: db.database.url, brokers: [kafka.secureBrokers], kafkaConnection, logger, halfMessages: false, maxIdleMs: 250 });
}

function newConsumer(kafkaConnection: KafkaConnectionOptions, logger: Logger, topic: string, seen: string[] = [], groupId = uniqueName('secure-group')) {
  return createInboxConsumer({
    outbox: db.outbox,
    groupId,
    brokers: [kafka.secureBrokers],
    kafkaConnection,
    topics: [topic],
    fromBeginning: true,
    logger,
    handler: async (ctx) => void seen.push(ctx.messageId),
  });
}

async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a rejection');
}

describe('Kafka over SASL_SSL', () => {
  it('the relay publishes and the inbox consumer consumes with SCRAM-SHA-512, the replay reads; no log line holds the password', async () => {
    const topic = uniqueName('ok.secure');
    await createTopic(topic, 2, { brokers: [kafka.brokers] });
    const ids = await db.outbox.transaction(async () => Array.from({ length: 5 }, (_, n) => send({ topic, key: `k${n % 2}`, value: { n } })));
    const logger = capturingLogger();
    const relay = newRelay(connection(), logger);
    const seen: string[] = [];
    const groupId = uniqueName('secure-group');
    const consumer = newConsumer(connection(), logger, topic, seen, groupId);
    await relay.start();
    try {
      await consumer.start();
      await waitFor(() => seen.length >= ids.length, 60_000, 'the consumer to handle every published message');
      expect([...seen].sort()).toEqual([...ids].sort());
      expect(await statusCounts(db.database.url, topic)).toEqual({ PUBLISHED: ids.length });
      // The replay's own client over the same listener: the group's dead-letter topic (created by the consumer) is empty.
      const replay = await replayDeadLetters({ brokers: [kafka.secureBrokers], kafkaConnection: connection(), groupId, all: true, dryRun: true, logger });
      expect(replay).toMatchObject({ deadLetterTopic: `${groupId}.DLQ`, scanned: 0, replayed: [] });
    } finally {
      await consumer.stop();
      await relay.stop();
    }
    const started = logger.lines.find((line) => line.message === 'relay started');
    expect(started?.fields?.kafka).toMatchObject({
      brokers: [kafka.secureBrokers],
      tls: { ca: 'given', rejectUnauthorized: true },
      sasl: { mechanism: 'SCRAM-SHA-512', username: user.name },
    });
    expect(logger.lines.find((line) => line.message === 'inbox consumer started')?.fields?.kafka).toMatchObject({ sasl: { mechanism: 'SCRAM-SHA-512' } });
    expect(logger.text()).not.toContain(user.password);
    expect(logger.text()).not.toContain('BEGIN CERTIFICATE');
  });

  it('a wrong password fails the relay, the consumer and the replay at once with KafkaAuthenticationError, which does not hold it', async () => {
    const wrong = connection({ sasl: { mechanism: 'scram-sha-512', username: user.name, password: wrongPassword } });
    const logger = capturingLogger();
    const relay = newRelay(wrong, logger);
    const consumer = newConsumer(wrong, logger, uniqueName('ok.secure-wrong'));
    try {
      const failures = await Promise.all([
        rejection(relay.start()),
        rejection(consumer.start()),
        rejection(replayDeadLetters({ brokers: [kafka.secureBrokers], kafkaConnection: wrong, groupId: 'g', all: true, logger })),
      ]);
      for (const { error, ms } of failures) {
        expect(error).toBeInstanceOf(KafkaAuthenticationError);
        expect(error).toMatchObject({ code: 'OUTBOX_KAFKA_AUTHENTICATION', mechanism: 'SCRAM-SHA-512', username: user.name, retriable: false });
        expect((error as Error).message).toMatch(new RegExp(`refused the SCRAM-SHA-512 login of user "${user.name}"`));
        expect((error as Error).message).not.toContain(wrongPassword);
        expect(ms).toBeLessThan(FAILS_WITHIN_MS);
      }
    } finally {
      await consumer.stop();
      await relay.stop();
    }
    expect(logger.text()).not.toContain(wrongPassword);
  });

  it('an untrusted CA (or none: the public CAs) fails them at once with KafkaTlsError "untrusted", a certificate for another name with "hostname"', async () => {
    const logger = capturingLogger();
    const relay = newRelay(connection({ ssl: { ca: kafka.untrustedCaPem } }), logger);
    const consumer = newConsumer(connection({ ssl: true }), logger, uniqueName('ok.secure-untrusted'));
    try {
      const [fromRelay, fromConsumer] = await Promise.all([rejection(relay.start()), rejection(consumer.start())]);
      for (const { error, ms } of [fromRelay, fromConsumer]) {
        expect(error).toBeInstanceOf(KafkaTlsError);
        expect(error).toMatchObject({ code: 'OUTBOX_KAFKA_TLS', problem: 'untrusted', tlsCode: 'SELF_SIGNED_CERT_IN_CHAIN' });
        expect((error as Error).message).toMatch(/is not trusted .*KAFKA_SSL_CA_FILE/);
        expect(ms).toBeLessThan(FAILS_WITHIN_MS);
      }
      const otherName = await rejection(
        replayDeadLetters({ brokers: [kafka.secureBrokers], kafkaConnection: connection({ ssl: { ca: kafka.caPem, servername: 'kafka.example.com' } }), groupId: 'g', all: true, logger }),
      );
      expect(otherName.error).toBeInstanceOf(KafkaTlsError);
      expect(otherName.error).toMatchObject({ problem: 'hostname', tlsCode: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      expect((otherName.error as Error).message).toMatch(/KAFKA_SSL_SERVERNAME/);
      expect(otherName.ms).toBeLessThan(FAILS_WITHIN_MS);
    } finally {
      await consumer.stop();
      await relay.stop();
    }
  });

  it('a client certificate (ssl.cert, ssl.key) gets the relay onto a listener that requires one; without it, KafkaTlsError "client-certificate"', async () => {
    expect(HAS_OPENSSL, 'openssl is needed to make the client certificate: apt-get install openssl').toBe(true);
    const topic = uniqueName('ok.secure-mtls');
    await createTopic(topic, 1, { brokers: [kafka.brokers] });
    const logger = capturingLogger();
    const withCertificate = { ssl: { ca: kafka.caPem, cert: kafka.clientCertPem!, key: kafka.clientKeyPem! }, connectionTimeoutMs: 10_000 };
    const relay = new Relay({ databaseUrl: db.database.url, brokers: [kafka.mtlsBrokers!], kafkaConnection: withCertificate, logger, halfMessages: false, maxIdleMs: 250 });
    await relay.start();
    try {
      await db.outbox.transaction(async () => send({ topic, key: 'k', value: { over: 'mTLS' } }));
      await waitFor(async () => (await statusCounts(db.database.url, topic)).PUBLISHED === 1, 30_000, 'the message to be PUBLISHED over mTLS');
    } finally {
      await relay.stop();
    }
    expect(logger.lines.find((line) => line.message === 'relay started')?.fields?.kafka).toMatchObject({ tls: { clientCertificate: true }, sasl: false });
    expect(logger.text()).not.toContain('PRIVATE KEY');
    const without = await rejection(
      replayDeadLetters({ brokers: [kafka.mtlsBrokers!], kafkaConnection: { ssl: { ca: kafka.caPem } }, deadLetterTopic: topic, all: true, logger }),
    );
    expect(without.error).toBeInstanceOf(KafkaTlsError);
    expect(without.error).toMatchObject({ problem: 'client-certificate' });
    expect(without.ms).toBeLessThan(FAILS_WITHIN_MS);
  });

  it('the outbox-relay sidecar publishes (gzip) with SCRAM-SHA-256 from KAFKA_SSL_CA_FILE and KAFKA_SASL_PASSWORD_FILE, and never prints the password', async () => {
    const topic = uniqueName('ok.secure-sidecar');
    await createTopic(topic, 1, { brokers: [kafka.brokers] });
    const env = (passwordFile: string) => ({
      DATABASE_URL: db.database.url,
      KAFKA_BROKERS: kafka.secureBrokers,
      KAFKA_SSL_CA_FILE: kafka.caFile,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: user.name,
      KAFKA_SASL_PASSWORD_FILE: join(secretsDir, passwordFile),
      KAFKA_CONNECTION_TIMEOUT_MS: '10000',
      OUTBOX_COMPRESSION: 'gzip',
      OUTBOX_HALF_CHECKS: 'off',
      OUTBOX_MAX_IDLE_MS: '250',
      OUTBOX_LOG_LEVEL: 'debug',
    });
    const refused = startRelayProcess(env('wrong-password'));
    const killRefused = setTimeout(() => refused.child.kill('SIGKILL'), FAILS_WITHIN_MS);
    const refusedExit = await refused.exited;
    clearTimeout(killRefused);
    expect(refusedExit).toEqual({ code: 1, signal: null });
    expect(refused.output()).toMatch(new RegExp(`outbox-relay: Kafka at ${kafka.secureBrokers} refused the SCRAM-SHA-256 login of user "${user.name}"`));
    expect(refused.output()).not.toContain(wrongPassword);

    const relay = startRelayProcess(env('password'));
    try {
      await relay.ready;
      const id = await db.outbox.transaction(async () => send({ topic, key: 'k', value: { over: 'SASL_SSL' } }));
      await waitFor(async () => (await statusCounts(db.database.url, topic)).PUBLISHED === 1, 30_000, `message ${id} to be PUBLISHED by the sidecar`);
    } finally {
      relay.child.kill('SIGTERM');
    }
    expect(await relay.exited).toEqual({ code: 0, signal: null });
    const output = relay.output();
    expect(output).toMatch(/"msg":"relay started".*"sasl":\{"mechanism":"SCRAM-SHA-256","username":"alice"\}.*"compression":"gzip"/);
    expect(output).not.toContain(user.password);
  });
});
