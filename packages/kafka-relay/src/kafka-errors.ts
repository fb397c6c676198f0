import { OutboxError, type OutboxErrorOptions } from '@outboxkit/core';
import { redactSecrets } from '@outboxkit/core/internal';
import type { KafkaClient } from './kafka-connection.js';

/**
 * kafkajs's failures to get onto a secured cluster, restated as outboxkit errors that say what to
 * fix. kafkajs reports a refused login as KafkaJSSASLAuthenticationError (not retriable: it fails
 * at once) and a TLS failure as a KafkaJSConnectionError carrying Node.js's TLS error code
 * (retriable: it fails once its retries are spent), both often wrapped in
 * KafkaJSNumberOfRetriesExceeded. Neither message holds a password; the texts are redacted anyway.
 */

/** Kafka refused the SASL login: a wrong user name or password, a mechanism the listener does not enable, a user without credentials for it. */
export class KafkaAuthenticationError extends OutboxError {
  readonly mechanism: string | undefined;
  readonly username: string | undefined;
  readonly brokers: string | undefined;
  constructor(detail: string, context: { mechanism?: string; username?: string; brokers?: string }, options: OutboxErrorOptions = {}) {
    const mechanism = context.mechanism ?? 'SASL';
    const who = context.username === undefined ? '' : ` of user "${context.username}"`;
    super(
      'OUTBOX_KAFKA_AUTHENTICATION',
      `Kafka${context.brokers ? ` at ${context.brokers}` : ''} refused the ${mechanism} login${who} (${detail}). ` +
        'Check the user name and password (sasl.username and sasl.password; the sidecar: KAFKA_SASL_USERNAME and ' +
        'KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE), that the broker has this user for this mechanism (SCRAM ' +
        'credentials are kept per mechanism: SCRAM-SHA-256 and SCRAM-SHA-512 are different users), and that the listener ' +
        'enables it (sasl.enabled.mechanisms). Trying again does not help until that is fixed.',
      { retriable: false, ...options },
    );
    this.name = 'KafkaAuthenticationError';
    this.mechanism = context.mechanism;
    this.username = context.username;
    this.brokers = context.brokers;
  }
}

/** What was wrong with a TLS connection to Kafka. */
export type KafkaTlsProblem = 'untrusted' | 'hostname' | 'expired' | 'client-certificate' | 'handshake';

/**
 * A TLS connection to Kafka failed: a certificate this client does not trust, one for another
 * name, an expired one, a listener that wants a client certificate this client lacks (or does not
 * trust the one it got), or no TLS listener there.
 */
export class KafkaTlsError extends OutboxError {
  readonly problem: KafkaTlsProblem;
  /** Node.js's TLS error code, e.g. SELF_SIGNED_CERT_IN_CHAIN or ERR_TLS_CERT_ALTNAME_INVALID. */
  readonly tlsCode: string | undefined;
  readonly broker: string | undefined;
  constructor(problem: KafkaTlsProblem, detail: string, context: { tlsCode?: string; broker?: string }, options: OutboxErrorOptions = {}) {
    const at = context.broker ? ` at ${context.broker}` : '';
    const said = `${context.tlsCode ? `${context.tlsCode}: ` : ''}${detail}`;
    const text: Record<KafkaTlsProblem, string> = {
      untrusted:
        `The TLS certificate of Kafka${at} is not trusted (${said}): no CA this client trusts signed it. Give the CA ` +
        "certificate that signed the brokers' certificates, in PEM (ssl.ca; the sidecar: KAFKA_SSL_CA_FILE); without one " +
        'only the public CAs Node.js knows are trusted.',
      hostname:
        `The TLS certificate of Kafka${at} is not for the name connected to (${said}). Connect by a name the certificate ` +
        'holds (KAFKA_BROKERS and the advertised listeners), or name it with ssl.servername (the sidecar: KAFKA_SSL_SERVERNAME).',
      expired: `The TLS certificate of Kafka${at} has expired or is not valid yet (${said}). Renew it, and check this machine's clock.`,
      'client-certificate':
        `Kafka${at} refused this client's TLS certificate (${said}): the listener requires a client certificate ` +
        '(ssl.client.auth=required) signed by a CA in its truststore. Give one with its key, PEM (ssl.cert and ssl.key; ' +
        'the sidecar: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE), or have its CA added to the broker\'s truststore.',
      handshake:
        `The TLS handshake with Kafka${at} failed (${said}). Is that port a TLS listener (SSL or SASL_SSL)? ` +
        'A PLAINTEXT or SASL_PLAINTEXT listener needs TLS off (ssl unset; the sidecar: KAFKA_SSL=off).',
    };
    super('OUTBOX_KAFKA_TLS', text[problem], { retriable: false, ...options });
    this.name = 'KafkaTlsError';
    this.problem = problem;
    this.tlsCode = context.tlsCode;
    this.broker = context.broker;
  }
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'INVALID_CA',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const HOSTNAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
/** TLS alerts a broker sends when it wants a client certificate, or does not accept the one it got. */
const CLIENT_CERTIFICATE = /_ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|UNSUPPORTED_CERTIFICATE)$/;

interface Link {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  broker?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/** The error and its causes (kafkajs wraps in `cause` and, for retries, `originalError`), at most `max` deep. */
function chain(error: unknown, max = 6): Link[] {
  const links: Link[] = [];
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && links.length < max && !links.includes(current as Link)) {
    links.push(current as Link);
    const { cause, originalError } = current as Link;
    current = cause ?? originalError;
  }
  return links;
}

const text = (value: unknown) => redactSecrets(typeof value === 'string' ? value : String(value));

/**
 * `error` restated as a KafkaAuthenticationError or KafkaTlsError when kafkajs failed to log in or
 * to make the TLS connection; anything else is returned as it is. `client` says what was tried
 * (mechanism, user, brokers) for the message. Never throws.
 */
export function explainKafkaError(error: unknown, client?: Pick<KafkaClient, 'connection' | 'brokers'>): unknown {
  try {
    if (error instanceof KafkaAuthenticationError || error instanceof KafkaTlsError) return error;
    const links = chain(error);
    const sasl = client?.connection.description.sasl || undefined;
    const brokers = client?.brokers?.join(',');
    const login = links.find((l) => l.name === 'KafkaJSSASLAuthenticationError');
    if (login) {
      return new KafkaAuthenticationError(text(login.message), { mechanism: sasl?.mechanism, username: sasl?.username, brokers }, { cause: error });
    }
    const tlsOn = client === undefined || client.connection.description.tls !== false;
    for (const link of links) {
      const code = typeof link.code === 'string' ? link.code : undefined;
      const message = typeof link.message === 'string' ? link.message.replace(/^Connection error: /, '') : '';
      const broker = typeof link.broker === 'string' ? link.broker : brokers;
      const context = { tlsCode: code, broker };
      if (code && UNTRUSTED.has(code)) return new KafkaTlsError('untrusted', text(message), context, { cause: error });
      if (code && HOSTNAME.has(code)) return new KafkaTlsError('hostname', text(message), context, { cause: error });
      if (code && EXPIRED.has(code)) return new KafkaTlsError('expired', text(message), context, { cause: error });
      if (code && CLIENT_CERTIFICATE.test(code)) return new KafkaTlsError('client-certificate', text(message), context, { cause: error });
      if (code && /^ERR_SSL_|^ERR_TLS_|^EPROTO$/.test(code)) return new KafkaTlsError('handshake', text(message), context, { cause: error });
      // A peer that is not a TLS listener drops the connection during the handshake.
      if (tlsOn && /before secure TLS connection was established/.test(message)) {
        return new KafkaTlsError('handshake', text(message), context, { cause: error });
      }
    }
    return error;
  } catch {
    return error;
  }
}
