import type { ConnectionOptions } from 'node:tls';
import { InvalidConfigError, type Logger } from '@outboxkit/core';
import { describeError } from '@outboxkit/core/internal';
import kafkajs, { Kafka, type CompressionTypes as CompressionType, type KafkaConfig, type RetryOptions, type SASLOptions } from 'kafkajs';
import { kafkajsLogCreator } from './kafkajs-logger.js';

/**
 * How outboxkit's Kafka clients (the relay's, the inbox consumer's, the dead-letter replay's)
 * reach a secured cluster: TLS, SASL, timeouts and the compression of what they produce. One
 * module turns these options into kafkajs's KafkaConfig for all three, checks them (a refusal
 * is an InvalidConfigError naming the setting, never showing a password or a key), and says
 * what may be logged of them. docs/kafka-connection.md lists them with the sidecar's variables.
 */
export interface KafkaConnectionOptions {
  /**
   * TLS to the brokers: `true` (Node.js's public CAs), or the certificates. Kafka's SSL and
   * SASL_SSL listeners need it; PLAINTEXT and SASL_PLAINTEXT ones need it off. Default off.
   */
  ssl?: boolean | KafkaTlsOptions;
  /** SASL authentication: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, or OAUTHBEARER with a token provider. Default none. */
  sasl?: KafkaSaslOptions;
  /** Longest wait for a connection to a broker, the TLS handshake included, ms. Default 1,000 (kafkajs's); raise it across a WAN. */
  connectionTimeoutMs?: number;
  /** Longest wait for the SASL authentication of a new connection, ms. Default 10,000 (kafkajs's). */
  authenticationTimeoutMs?: number;
  /** Longest wait for a broker's answer to a request, ms. Default 30,000 (kafkajs's). */
  requestTimeoutMs?: number;
  /**
   * Compression of the record batches outboxkit produces (the relay's, the consumer's retry and
   * dead-letter records, replays). `gzip` is built into kafkajs; `snappy`, `lz4` and `zstd` need a
   * codec registered first (e.g. `CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec` from
   * kafkajs-snappy), and consumers of the topic need it too. Default `none`.
   */
  compression?: KafkaCompression;
}

/** Node.js's tls.connect options; the usual ones below, any other is passed on as given. */
export interface KafkaTlsOptions extends ConnectionOptions {
  /** CA certificate(s) the brokers' certificates are checked against, PEM. Default: Node.js's public CAs. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate (chain), PEM, for brokers that authenticate clients by certificate (ssl.client.auth=required). */
  cert?: string | Buffer | Array<string | Buffer>;
  /** The client certificate's private key, PEM. */
  key?: ConnectionOptions['key'];
  /** Passphrase of an encrypted `key`. */
  passphrase?: string;
  /** Name the brokers' certificates are checked for, when it is not the host connected to (SNI). */
  servername?: string;
  /** Refuse brokers whose certificate does not verify. Default true; `false` only in a test. */
  rejectUnauthorized?: boolean;
}

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer';

export type KafkaSaslOptions =
  | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  | {
      mechanism: 'oauthbearer';
      /**
       * Returns a current token, `{ value }`; called for every new connection and again when the
       * broker's session lifetime runs out (kafkajs re-authenticates), so refresh and cache inside.
       */
      oauthBearerProvider: () => Promise<{ value: string }>;
    };

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * kafkajs's compression enum and codec table. Read from its default export: Node.js cannot name
 * them as ESM imports of kafkajs (a CommonJS module whose exports its loader does not detect
 * past `CompressionTypes: Compression.Types`).
 */
export const { CompressionTypes, CompressionCodecs } = kafkajs;

const COMPRESSION: Record<KafkaCompression, CompressionType> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

const MECHANISMS: readonly KafkaSaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'];

/** What may be logged of a connection: no password, no key, no token, no certificate content. */
export interface KafkaConnectionDescription {
  tls: false | { ca: 'given' | 'public CAs'; clientCertificate: boolean; servername?: string; rejectUnauthorized: boolean };
  sasl: false | { mechanism: string; username?: string };
  connectionTimeoutMs: number;
  authenticationTimeoutMs: number;
  requestTimeoutMs: number;
  compression: KafkaCompression;
}

/** The checked options: kafkajs's pieces (which hold the secrets: never log `config`) and their description. */
export interface ResolvedKafkaConnection {
  config: Pick<KafkaConfig, 'ssl' | 'sasl' | 'connectionTimeout' | 'authenticationTimeout' | 'requestTimeout'>;
  compression: CompressionType;
  description: KafkaConnectionDescription;
}

export const DEFAULT_KAFKA_CONNECTION = Object.freeze({
  connectionTimeoutMs: 1_000,
  authenticationTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  compression: 'none' as KafkaCompression,
});

/**
 * Checks `options` and turns them into kafkajs's settings. `setting` prefixes the names in
 * errors (`kafkaConnection.sasl.password`); a refusal never shows a secret's value.
 */
export function resolveKafkaConnection(options: KafkaConnectionOptions | undefined, setting = 'kafkaConnection'): ResolvedKafkaConnection {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new InvalidConfigError(setting, `must be an object ({ ssl, sasl, … }), got ${describeError(options, 100)}`);
  }
  const o = options ?? {};
  const d = DEFAULT_KAFKA_CONNECTION;
  const connectionTimeoutMs = timeout(`${setting}.connectionTimeoutMs`, o.connectionTimeoutMs ?? d.connectionTimeoutMs);
  const authenticationTimeoutMs = timeout(`${setting}.authenticationTimeoutMs`, o.authenticationTimeoutMs ?? d.authenticationTimeoutMs);
  const requestTimeoutMs = timeout(`${setting}.requestTimeoutMs`, o.requestTimeoutMs ?? d.requestTimeoutMs);
  const compression = resolveCompression(`${setting}.compression`, o.compression ?? d.compression);
  const tls = resolveTls(`${setting}.ssl`, o.ssl);
  const sasl = resolveSasl(`${setting}.sasl`, o.sasl);
  return {
    config: {
      ...(tls ? { ssl: tls.ssl } : {}),
      ...(sasl ? { sasl: sasl.sasl } : {}),
      connectionTimeout: connectionTimeoutMs,
      authenticationTimeout: authenticationTimeoutMs,
      requestTimeout: requestTimeoutMs,
    },
    compression: COMPRESSION[compression],
    description: {
      tls: tls ? tls.description : false,
      sasl: sasl ? sasl.description : false,
      connectionTimeoutMs,
      authenticationTimeoutMs,
      requestTimeoutMs,
      compression,
    },
  };
}

/** Where a component's Kafka client comes from: a kafkajs client it is given, or brokers and connection options. */
export interface KafkaClientSource {
  kafka?: Kafka;
  brokers?: string[];
  clientId?: string;
  kafkaConnection?: KafkaConnectionOptions;
}

export interface KafkaClient {
  kafka: Kafka;
  /**
   * The checked connection without its kafkajs settings: the secrets stay inside the kafkajs
   * client, not on the relay or consumer object (where a util.inspect would reach them). For a
   * given client only the compression is outboxkit's.
   */
  connection: Omit<ResolvedKafkaConnection, 'config'>;
  /** For logs and error messages: the brokers, or undefined for a given client. */
  brokers: readonly string[] | undefined;
  /** For logs: brokers and connection, nothing secret. */
  describe(): Record<string, unknown>;
}

/**
 * The Kafka client of the relay, the inbox consumer or the replay: the given kafkajs client, or a
 * new one for `brokers` with the connection options, kafkajs's log routed to `logger`. With a
 * given client, connection settings other than `compression` are refused: they would silently
 * not apply (kafkajs fixes them when the client is made).
 */
export function kafkaClient(source: KafkaClientSource, defaults: { clientId: string; retry: RetryOptions }, logger: Logger): KafkaClient {
  if (source.kafka !== undefined) {
    if (!(source.kafka instanceof Kafka) && typeof (source.kafka as { producer?: unknown }).producer !== 'function') {
      throw new InvalidConfigError('kafka', `must be a kafkajs Kafka client (new Kafka({ … })), got ${describeError(source.kafka, 100)}`);
    }
    const { compression, ...rest } = source.kafkaConnection ?? {};
    const ignored = Object.keys(rest).filter((key) => (rest as Record<string, unknown>)[key] !== undefined);
    if (ignored.length > 0) {
      throw new InvalidConfigError(
        `kafkaConnection.${ignored[0]}`,
        'cannot be combined with a given kafkajs client (`kafka`): set TLS, SASL and timeouts on that client, or pass brokers instead of it',
      );
    }
    const { compression: type, description } = resolveKafkaConnection({ compression });
    return { kafka: source.kafka, connection: { compression: type, description }, brokers: undefined, describe: () => ({ client: 'given', compression: description.compression }) };
  }
  const { config, ...connection } = resolveKafkaConnection(source.kafkaConnection);
  const brokers = source.brokers!;
  if (connection.description.sasl && connection.description.sasl.mechanism === 'PLAIN' && !connection.description.tls) {
    logger.warn('SASL PLAIN without TLS sends the Kafka password in clear text; turn on ssl (KAFKA_SSL=on) unless the network is trusted');
  }
  const kafka = new Kafka({
    clientId: source.clientId ?? defaults.clientId,
    brokers,
    logCreator: kafkajsLogCreator(logger),
    retry: defaults.retry,
    ...config,
  });
  return { kafka, connection, brokers, describe: () => ({ brokers, ...connection.description }) };
}

function timeout(setting: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2_147_483_647) {
    throw new InvalidConfigError(setting, `must be a whole number of milliseconds from 1 to 2147483647, got ${describeError(value, 100)}`);
  }
  return value;
}

function resolveCompression(setting: string, value: unknown): KafkaCompression {
  if (typeof value !== 'string' || !Object.hasOwn(COMPRESSION, value)) {
    throw new InvalidConfigError(setting, `must be one of ${Object.keys(COMPRESSION).join(', ')}, got ${describeError(value, 100)}`);
  }
  const compression = value as KafkaCompression;
  const type = COMPRESSION[compression];
  if (type === CompressionTypes.None || type === CompressionTypes.GZIP) return compression;
  // kafkajs ships gzip only; the others throw "not implemented" until a codec is registered.
  let codec: unknown;
  try {
    codec = (CompressionCodecs as Record<number, () => unknown>)[type]?.();
  } catch {
    codec = undefined;
  }
  if (typeof (codec as { compress?: unknown } | undefined)?.compress !== 'function') {
    throw new InvalidConfigError(
      setting,
      `is "${compression}", but kafkajs has no ${compression} codec registered: register one before creating the client ` +
        `(e.g. CompressionCodecs[CompressionTypes.${compression === 'lz4' ? 'LZ4' : compression === 'zstd' ? 'ZSTD' : 'Snappy'}] = ` +
        `codec from kafkajs-${compression}), or use "gzip", which kafkajs has built in`,
    );
  }
  return compression;
}

type PemValue = string | Buffer | Array<string | Buffer>;

function resolveTls(setting: string, ssl: unknown): { ssl: true | ConnectionOptions; description: Exclude<KafkaConnectionDescription['tls'], false> } | undefined {
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return { ssl: true, description: { ca: 'public CAs', clientCertificate: false, rejectUnauthorized: true } };
  if (typeof ssl !== 'object' || ssl === null || Array.isArray(ssl)) {
    throw new InvalidConfigError(setting, `must be true, false or an object of TLS options ({ ca, cert, key, servername, rejectUnauthorized }), got ${describeError(ssl, 100)}`);
  }
  const options = ssl as KafkaTlsOptions;
  if (options.ca !== undefined) pem(`${setting}.ca`, options.ca, /-----BEGIN CERTIFICATE-----/, 'CA certificate');
  if (options.cert !== undefined) pem(`${setting}.cert`, options.cert, /-----BEGIN CERTIFICATE-----/, 'certificate');
  if (options.key !== undefined) {
    // KeyObject-style entries ({ pem, passphrase }) are passed on; strings and buffers are checked.
    const keys = Array.isArray(options.key) ? options.key : [options.key];
    const plain = keys.filter((k): k is string | Buffer => typeof k === 'string' || Buffer.isBuffer(k));
    if (plain.length > 0) pem(`${setting}.key`, plain, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key', true);
  }
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new InvalidConfigError(
      options.cert === undefined ? `${setting}.cert` : `${setting}.key`,
      'and its partner go together: a client certificate needs its private key (ssl.cert with ssl.key)',
    );
  }
  if (options.passphrase !== undefined && typeof options.passphrase !== 'string') {
    throw new InvalidConfigError(`${setting}.passphrase`, 'must be a string (the passphrase of an encrypted ssl.key); the value is not shown');
  }
  if (options.servername !== undefined && (typeof options.servername !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(options.servername))) {
    throw new InvalidConfigError(`${setting}.servername`, `must be a host name, e.g. kafka.example.com, got ${describeError(options.servername, 100)}`);
  }
  if (options.rejectUnauthorized !== undefined && typeof options.rejectUnauthorized !== 'boolean') {
    throw new InvalidConfigError(`${setting}.rejectUnauthorized`, `must be true or false, got ${describeError(options.rejectUnauthorized, 100)}`);
  }
  return {
    ssl: { ...options },
    description: {
      ca: options.ca === undefined ? 'public CAs' : 'given',
      clientCertificate: options.cert !== undefined,
      ...(options.servername === undefined ? {} : { servername: options.servername }),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
    },
  };
}

/** `value` must be PEM text holding `marker`; `secret`: its content is never shown. */
function pem(setting: string, value: PemValue, marker: RegExp, what: string, secret = false): void {
  const entries = Array.isArray(value) ? value : [value];
  for (const entry of entries) {
    if (typeof entry !== 'string' && !Buffer.isBuffer(entry)) {
      throw new InvalidConfigError(setting, `must be PEM text (a string or a Buffer), got ${secret ? typeof entry : describeError(entry, 100)}`);
    }
    const text = typeof entry === 'string' ? entry : entry.toString('latin1');
    if (!marker.test(text)) {
      throw new InvalidConfigError(
        setting,
        `is not a PEM ${what} (no "${marker.source.replace(/\[A-Z \]\*/, '').replace(/\\/g, '')}" line)${secret ? '; the value is not shown' : ''}. ` +
          'kafkajs takes PEM only: convert a PKCS12 or JKS store, e.g. keytool -exportcert -rfc for a certificate, ' +
          'openssl pkcs12 -nodes for a key',
      );
    }
  }
}

function resolveSasl(setting: string, sasl: unknown): { sasl: SASLOptions; description: { mechanism: string; username?: string } } | undefined {
  if (sasl === undefined) return undefined;
  if (typeof sasl !== 'object' || sasl === null || Array.isArray(sasl)) {
    throw new InvalidConfigError(setting, `must be an object ({ mechanism, username, password }), got ${describeError(sasl, 100)}`);
  }
  const { mechanism: raw } = sasl as { mechanism?: unknown };
  const mechanism = typeof raw === 'string' ? (raw.toLowerCase() as KafkaSaslMechanism) : undefined;
  if (!mechanism || !MECHANISMS.includes(mechanism)) {
    throw new InvalidConfigError(
      `${setting}.mechanism`,
      `must be one of ${MECHANISMS.join(', ')}, got ${describeError(raw, 100)}` +
        (String(raw).toLowerCase() === 'aws' ? '; for AWS IAM, pass a kafkajs client configured for it as `kafka`' : ''),
    );
  }
  const label = mechanism.toUpperCase();
  if (mechanism === 'oauthbearer') {
    const { oauthBearerProvider } = sasl as { oauthBearerProvider?: unknown };
    if (typeof oauthBearerProvider !== 'function') {
      throw new InvalidConfigError(`${setting}.oauthBearerProvider`, 'must be a function returning Promise<{ value: token }> for the oauthbearer mechanism');
    }
    return {
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: oauthBearerProvider as () => Promise<{ value: string }> },
      description: { mechanism: label },
    };
  }
  const { username, password } = sasl as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || username.length === 0 || /[\u0000-\u001f\u007f]/.test(username)) {
    throw new InvalidConfigError(`${setting}.username`, `must be a non-empty user name for ${label}, got ${describeError(username, 100)}`);
  }
  if (typeof password !== 'string' || password.length === 0) {
    throw new InvalidConfigError(`${setting}.password`, `must be a non-empty string for ${label} (the value is not shown)`);
  }
  return { sasl: { mechanism, username, password } as SASLOptions, description: { mechanism: label, username } };
}
