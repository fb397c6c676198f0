import { readFileSync } from 'node:fs';
import { InvalidConfigError } from '@outboxkit/core';
import { resolveKafkaConnection, type KafkaCompression, type KafkaConnectionOptions, type KafkaTlsOptions } from '../kafka-connection.js';
import { readRelayEnv, RELAY_ENV_VARIABLES, type RelayEnvVariable } from './relay-env-variables.js';

/**
 * The Kafka connection of the sidecar's commands (the relay, `replay`) from the environment:
 * KAFKA_SSL*, KAFKA_SASL_*, the KAFKA_*_TIMEOUT_MS and OUTBOX_COMPRESSION rows of
 * relay-env-variables.ts. Certificates and keys are read from files; a password from its
 * variable or from a file (`…_FILE`, e.g. a mounted Kubernetes secret), never both. Checked
 * here, before anything connects: a refusal is an InvalidConfigError naming the variable, and
 * never shows a password, a key or a file's content. Undefined when nothing is set (plaintext).
 */
export function kafkaConnectionFromEnv(env: NodeJS.ProcessEnv, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): KafkaConnectionOptions | undefined {
  const row = (name: string): RelayEnvVariable => RELAY_ENV_VARIABLES.find((v) => v.name === name)!;
  const read = (name: string) => readRelayEnv(env, row(name));
  const text = (name: string) => read(name) as string | undefined;
  const number = (name: string) => read(name) as number | undefined;
  const file = (name: string, what: string): string | undefined => {
    const path = text(name);
    if (path === undefined) return undefined;
    try {
      return readFile(path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code ?? 'unreadable');
      throw new InvalidConfigError(name, `cannot read "${path}" (${why}): give the path of a readable ${what} file. See outbox-relay --help.`);
    }
  };
  /** A secret from `name` or from the file `name_FILE`; both set is refused. The file's trailing line break is dropped. */
  const secret = (name: string): string | undefined => {
    const direct = text(name);
    const fromFile = file(`${name}_FILE`, 'secret');
    if (direct !== undefined && fromFile !== undefined) {
      throw new InvalidConfigError(name, `and ${name}_FILE are both set: give the secret one way only (the file is better: it stays out of the process environment)`);
    }
    if (fromFile === undefined) return direct;
    const value = fromFile.replace(/\r?\n$/, '');
    if (value.length === 0 || /[\u0000-\u001f\u007f]/.test(value)) {
      throw new InvalidConfigError(`${name}_FILE`, `("${text(`${name}_FILE`)}") must hold the secret on one line, and nothing else (the content is not shown)`);
    }
    return value;
  };

  const options: KafkaConnectionOptions = {};
  const tls: KafkaTlsOptions = {};
  const ca = file('KAFKA_SSL_CA_FILE', 'PEM CA certificate');
  if (ca !== undefined) tls.ca = ca;
  const cert = file('KAFKA_SSL_CERT_FILE', 'PEM certificate');
  if (cert !== undefined) tls.cert = cert;
  const key = file('KAFKA_SSL_KEY_FILE', 'PEM private key');
  if (key !== undefined) tls.key = key;
  const passphrase = secret('KAFKA_SSL_KEY_PASSWORD');
  if (passphrase !== undefined) tls.passphrase = passphrase;
  const servername = text('KAFKA_SSL_SERVERNAME');
  if (servername !== undefined) tls.servername = servername;
  const verify = text('KAFKA_SSL_REJECT_UNAUTHORIZED');
  if (verify !== undefined) tls.rejectUnauthorized = verify === 'on';
  const tlsSettings = Object.keys(tls);
  const ssl = text('KAFKA_SSL');
  if (ssl === 'off' && tlsSettings.length > 0) {
    const names = TLS_VARIABLES.filter((name) => read(name) !== undefined);
    throw new InvalidConfigError('KAFKA_SSL', `is off, but ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} set: set KAFKA_SSL=on, or unset ${names.length === 1 ? 'it' : 'them'}`);
  }
  if (ssl === 'on' || tlsSettings.length > 0) options.ssl = tlsSettings.length > 0 ? tls : true;

  const mechanism = text('KAFKA_SASL_MECHANISM') as 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  const username = text('KAFKA_SASL_USERNAME');
  const password = secret('KAFKA_SASL_PASSWORD');
  if (mechanism === undefined && (username !== undefined || password !== undefined)) {
    const given = username !== undefined ? 'KAFKA_SASL_USERNAME' : 'a SASL password';
    throw new InvalidConfigError('KAFKA_SASL_MECHANISM', `is not set, but ${given} is: choose plain, scram-sha-256 or scram-sha-512 (what the broker's listener enables)`);
  }
  if (mechanism !== undefined) {
    const label = mechanism.toUpperCase();
    if (username === undefined) throw new InvalidConfigError('KAFKA_SASL_USERNAME', `is not set: SASL ${label} needs a user name`);
    if (password === undefined) {
      throw new InvalidConfigError('KAFKA_SASL_PASSWORD', `is not set: SASL ${label} needs the password, in KAFKA_SASL_PASSWORD_FILE (a file holding it) or KAFKA_SASL_PASSWORD`);
    }
    options.sasl = { mechanism, username, password };
  }

  const connectionTimeoutMs = number('KAFKA_CONNECTION_TIMEOUT_MS');
  if (connectionTimeoutMs !== undefined) options.connectionTimeoutMs = connectionTimeoutMs;
  const authenticationTimeoutMs = number('KAFKA_AUTHENTICATION_TIMEOUT_MS');
  if (authenticationTimeoutMs !== undefined) options.authenticationTimeoutMs = authenticationTimeoutMs;
  const requestTimeoutMs = number('KAFKA_REQUEST_TIMEOUT_MS');
  if (requestTimeoutMs !== undefined) options.requestTimeoutMs = requestTimeoutMs;
  const compression = text('OUTBOX_COMPRESSION') as KafkaCompression | undefined;
  if (compression !== undefined) options.compression = compression;

  if (Object.keys(options).length === 0) return undefined;
  // The library's own checks (a PEM file that is not PEM, a certificate without its key), under the variable's name.
  try {
    resolveKafkaConnection(options);
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    const variable = RELAY_ENV_VARIABLES.find((v) => v.option === error.setting);
    if (!variable) throw error;
    throw new InvalidConfigError(variable.name, `${error.detail.replace(/ssl\.cert with ssl\.key/, 'KAFKA_SSL_CERT_FILE with KAFKA_SSL_KEY_FILE')}. See outbox-relay --help.`);
  }
  return options;
}

const TLS_VARIABLES = [
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
  'KAFKA_SSL_KEY_PASSWORD',
  'KAFKA_SSL_KEY_PASSWORD_FILE',
  'KAFKA_SSL_SERVERNAME',
  'KAFKA_SSL_REJECT_UNAUTHORIZED',
];
