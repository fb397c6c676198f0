import { InvalidConfigError } from '@outboxkit/core';
import { DEFAULT_RELAY_CHANNEL, DEFAULT_TABLE_NAMES } from '@outboxkit/core/internal';

/**
 * The sidecar's environment variables, one row each: the single source of what `outbox-relay
 * --help` lists, what relay-env.ts reads, and what a refused value's error says is accepted.
 */
export interface RelayEnvVariable {
  name: string;
  /**
   * How the value is read and checked. `half` rows are taken as given by half-env.ts, which
   * checks them by its own rules (the checker secret's, `group=url` entries); `file` rows are read
   * by relay-config-file.ts.
   */
  kind: RelayEnvKind;
  /** `half`: a setting of the half messages' back-check, read by half-env.ts (through readRelayEnv). */
  group?: 'half';
  /** For `choice`: the accepted values. */
  choices?: readonly string[];
  /** For `choice`: upper or lower case alike (the value is read in lower case). */
  ignoreCase?: boolean;
  /** The default, as a user would write it ("" when there is none). */
  default: string;
  /** What it sets. */
  help: string;
  /** The RelayOptions setting it feeds: the resolver's refusals of that setting are reported under this variable's name. */
  option?: string;
}

export type RelayEnvKind =
  | 'postgres-url'
  | 'brokers'
  | 'positive-integer'
  | 'non-negative-integer'
  | 'ms-or-forever'
  | 'port'
  | 'host'
  | 'choice'
  | 'switch'
  | 'identifier'
  | 'text'
  | 'half'
  | 'file'
  | 'secret'
  | 'path';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

export const RELAY_ENV_VARIABLES: readonly RelayEnvVariable[] = [
  { name: 'DATABASE_URL', kind: 'postgres-url', default: '', help: 'required: PostgreSQL connection string, postgres://user:password@host:5432/database' },
  { name: 'KAFKA_BROKERS', kind: 'brokers', default: '', help: 'required: bootstrap brokers, host:port[,host:port…]' },
  // A secured Kafka (cli/kafka-env.ts; docs/kafka-connection.md). Secrets: the value or a file
  // (`…_FILE`, not both), never logged nor shown in an error.
  { name: 'KAFKA_SSL', kind: 'choice', choices: ['on', 'off'], default: 'off; on when a KAFKA_SSL_* variable is set', help: 'TLS to the brokers (SSL and SASL_SSL listeners)' },
  { name: 'KAFKA_SSL_CA_FILE', kind: 'path', default: "Node.js's public CAs", help: "PEM file of the CA certificate(s) that signed the brokers' certificates", option: 'kafkaConnection.ssl.ca' },
  { name: 'KAFKA_SSL_CERT_FILE', kind: 'path', default: '', help: 'PEM file of a client certificate, for brokers that require one (with KAFKA_SSL_KEY_FILE)', option: 'kafkaConnection.ssl.cert' },
  { name: 'KAFKA_SSL_KEY_FILE', kind: 'path', default: '', help: "PEM file of the client certificate's private key", option: 'kafkaConnection.ssl.key' },
  { name: 'KAFKA_SSL_KEY_PASSWORD', kind: 'secret', default: '', help: 'passphrase of an encrypted KAFKA_SSL_KEY_FILE', option: 'kafkaConnection.ssl.passphrase' },
  { name: 'KAFKA_SSL_KEY_PASSWORD_FILE', kind: 'path', default: '', help: 'file holding that passphrase (instead of KAFKA_SSL_KEY_PASSWORD)' },
  { name: 'KAFKA_SSL_SERVERNAME', kind: 'text', default: 'the broker host', help: "name the brokers' certificates are checked for (SNI), when it is not the host connected to", option: 'kafkaConnection.ssl.servername' },
  { name: 'KAFKA_SSL_REJECT_UNAUTHORIZED', kind: 'choice', choices: ['on', 'off'], default: 'on', help: 'refuse brokers whose certificate does not verify (off only in a test)', option: 'kafkaConnection.ssl.rejectUnauthorized' },
  { name: 'KAFKA_SASL_MECHANISM', kind: 'choice', choices: ['plain', 'scram-sha-256', 'scram-sha-512'], ignoreCase: true, default: '(none)', help: 'SASL authentication (OAUTHBEARER needs a token provider: library API only)', option: 'kafkaConnection.sasl.mechanism' },
  { name: 'KAFKA_SASL_USERNAME', kind: 'text', default: '', help: 'SASL user name', option: 'kafkaConnection.sasl.username' },
  { name: 'KAFKA_SASL_PASSWORD', kind: 'secret', default: '', help: 'SASL password (prefer KAFKA_SASL_PASSWORD_FILE)', option: 'kafkaConnection.sasl.password' },
  { name: 'KAFKA_SASL_PASSWORD_FILE', kind: 'path', default: '', help: 'file holding the SASL password, e.g. a mounted secret (instead of KAFKA_SASL_PASSWORD)' },
  { name: 'KAFKA_CONNECTION_TIMEOUT_MS', kind: 'positive-integer', default: '1000', help: 'longest wait for a broker connection, TLS handshake included, ms', option: 'kafkaConnection.connectionTimeoutMs' },
  { name: 'KAFKA_AUTHENTICATION_TIMEOUT_MS', kind: 'positive-integer', default: '10000', help: 'longest wait for the SASL login of a connection, ms', option: 'kafkaConnection.authenticationTimeoutMs' },
  { name: 'KAFKA_REQUEST_TIMEOUT_MS', kind: 'positive-integer', default: '30000', help: "longest wait for a broker's answer, ms", option: 'kafkaConnection.requestTimeoutMs' },
  { name: 'OUTBOX_COMPRESSION', kind: 'choice', choices: ['none', 'gzip'], default: 'none', help: 'compression of the record batches the relay produces (snappy, lz4, zstd: library API with a codec)', option: 'kafkaConnection.compression' },
  { name: 'OUTBOX_CLIENT_ID', kind: 'text', default: 'outbox-relay', help: 'Kafka client id', option: 'clientId' },
  { name: 'OUTBOX_SCHEMA', kind: 'identifier', default: DEFAULT_TABLE_NAMES.schema, help: 'database schema of the outbox tables', option: 'tables.schema' },
  { name: 'OUTBOX_TABLE', kind: 'identifier', default: DEFAULT_TABLE_NAMES.outbox, help: 'outbox table', option: 'tables.outbox' },
  { name: 'OUTBOX_BATCH_SIZE', kind: 'positive-integer', default: '500', help: 'rows claimed and published per batch', option: 'batchSize' },
  { name: 'OUTBOX_PIPELINES', kind: 'positive-integer', default: '2', help: 'batch pipelines run at once, each over its own share of the partitions (at most OUTBOX_PARTITIONS)', option: 'pipelines' },
  { name: 'OUTBOX_MIN_IDLE_MS', kind: 'positive-integer', default: '10', help: 'first idle poll after the outbox ran dry, ms', option: 'minIdleMs' },
  { name: 'OUTBOX_MAX_IDLE_MS', kind: 'positive-integer', default: '1000', help: 'slowest idle poll, ms (at least OUTBOX_MIN_IDLE_MS)', option: 'maxIdleMs' },
  { name: 'OUTBOX_RETENTION', kind: 'choice', choices: ['keep', 'delete'], default: 'keep', help: 'keep published rows (for OUTBOX_RETENTION_MS) or delete them when acknowledged', option: 'retention' },
  { name: 'OUTBOX_RETENTION_MS', kind: 'ms-or-forever', default: '604800000 (7 days)', help: 'how long published rows are kept, ms; "forever" keeps them', option: 'retentionMs' },
  { name: 'OUTBOX_CLEANUP_INTERVAL_MS', kind: 'positive-integer', default: '60000', help: 'retention cleanup interval, ms', option: 'cleanupIntervalMs' },
  { name: 'OUTBOX_MAX_RECORD_BYTES', kind: 'positive-integer', default: '1048576', help: 'largest record sent; bigger ones become DEAD', option: 'maxRecordBytes' },
  { name: 'OUTBOX_MAX_REQUEST_BYTES', kind: 'positive-integer', default: '1000000', help: 'record bytes per produce request', option: 'maxRequestBytes' },
  { name: 'OUTBOX_DEAD_KEY_POLICY', kind: 'choice', choices: ['hold', 'pass'], default: 'hold', help: 'later messages of a key with a DEAD one: wait for the operator, or pass', option: 'deadKeyPolicy' },
  { name: 'OUTBOX_INSTANCE_ID', kind: 'text', default: 'host:pid:random', help: "this instance's name in the lease table (at most 200 characters)", option: 'instanceId' },
  { name: 'OUTBOX_PARTITIONS', kind: 'positive-integer', default: '32', help: 'virtual partitions, the same on every instance', option: 'partitions' },
  { name: 'OUTBOX_LEASE_MS', kind: 'positive-integer', default: '10000', help: 'partition lease length, ms', option: 'leaseMs' },
  { name: 'OUTBOX_HEARTBEAT_MS', kind: 'positive-integer', default: 'lease / 4', help: 'lease renewal interval, ms (at most half of OUTBOX_LEASE_MS)', option: 'heartbeatMs' },
  { name: 'OUTBOX_CHANNEL', kind: 'identifier', default: DEFAULT_RELAY_CHANNEL, help: 'LISTEN/NOTIFY channel of the nudges', option: 'channel' },
  { name: 'OUTBOX_BACKOFF_INITIAL_MS', kind: 'positive-integer', default: '100', help: 'first wait after a failed batch, ms (doubling, jittered)' },
  { name: 'OUTBOX_BACKOFF_MAX_MS', kind: 'positive-integer', default: '30000', help: 'longest wait after failed batches, ms (at least OUTBOX_BACKOFF_INITIAL_MS)' },
  { name: 'OUTBOX_DB_CONNECT_TIMEOUT_MS', kind: 'positive-integer', default: '10000', help: 'longest wait for a database connection, ms', option: 'connectTimeoutMs' },
  { name: 'OUTBOX_DB_QUERY_TIMEOUT_MS', kind: 'positive-integer', default: 'max(30000, 2 × lease)', help: 'longest a database statement may run or go unanswered, ms (more than OUTBOX_LEASE_MS)', option: 'queryTimeoutMs' },
  { name: 'OUTBOX_HTTP_PORT', kind: 'port', default: '(off)', help: 'serve /healthz, /readyz and /metrics on this port, 0 to 65535 (0: any free port)', option: 'http.port' },
  { name: 'OUTBOX_HTTP_HOST', kind: 'host', default: '127.0.0.1', help: 'interface of those endpoints', option: 'http.host' },
  { name: 'OUTBOX_LOG_LEVEL', kind: 'choice', choices: LOG_LEVELS, default: 'info', help: 'log level (JSON lines on stderr)' },
  { name: 'OUTBOX_CONFIG_FILE', kind: 'file', default: '(none)', help: 'JSON file of these settings, keyed by these names (as --config <file>); the environment wins' },
  {
    name: 'OUTBOX_STOP_WITH_PARENT',
    kind: 'choice',
    choices: ['auto', 'on', 'off'],
    default: 'auto',
    help: 'stop gracefully when the parent process exits; auto: when started by npm run / npx / pnpm / yarn (they do not pass SIGTERM on)',
  },
  { name: 'OUTBOX_HALF_CHECKS', kind: 'switch', group: 'half', default: 'on', help: "half messages' back-check: on | off" },
  { name: 'OUTBOX_CHECKER_URL', kind: 'half', group: 'half', default: '', help: "the application's checker endpoint, e.g. http://app:3000/outboxkit/check" },
  { name: 'OUTBOX_CHECKER_URLS', kind: 'half', group: 'half', default: '', help: 'per producer group: payments=http://pay:3000/outboxkit/check,orders=…' },
  {
    name: 'OUTBOX_CHECKER_SECRET',
    kind: 'half',
    group: 'half',
    default: '',
    help: 'secret shared with the checker endpoint: at least 16 characters, the same on both sides (required with a URL; never logged; make one with openssl rand -hex 32)',
  },
  { name: 'OUTBOX_CHECKER_TIMEOUT_MS', kind: 'positive-integer', group: 'half', default: '5000', help: 'per checker request, ms' },
  { name: 'OUTBOX_CHECKER_RETRIES', kind: 'non-negative-integer', group: 'half', default: '2', help: 'further attempts after a failed checker request' },
  { name: 'OUTBOX_CHECK_IMMUNITY_MS', kind: 'non-negative-integer', group: 'half', default: '6000', help: 'age of a half message before its first check, ms' },
  { name: 'OUTBOX_CHECK_INTERVAL_MS', kind: 'positive-integer', group: 'half', default: '30000', help: 'between checks of one message, ms' },
  { name: 'OUTBOX_MAX_CHECKS', kind: 'positive-integer', group: 'half', default: '15', help: 'counted checks before a message is parked' },
  { name: 'OUTBOX_CHECK_POLL_MS', kind: 'positive-integer', group: 'half', default: '1000', help: 'how often to look for messages due, ms' },
  { name: 'OUTBOX_CHECK_BATCH_SIZE', kind: 'positive-integer', group: 'half', default: '100', help: 'messages per look' },
  { name: 'OUTBOX_CHECK_LEASE_MS', kind: 'positive-integer', group: 'half', default: '60000', help: 'a claimed message is kept from other relays this long, ms' },
  { name: 'OUTBOX_CHECK_TIMEOUT_MS', kind: 'positive-integer', group: 'half', default: '30000', help: 'longest a whole check may take, ms' },
  { name: 'OUTBOX_HALF_AGES_MS', kind: 'positive-integer', group: 'half', default: '10000', help: 'how often HALF rows are measured by age, ms' },
];

/** The row of a variable; throws for a name that is not in the table (a typo in the code). */
export function relayEnvVariable(name: string): RelayEnvVariable {
  const variable = RELAY_ENV_VARIABLES.find((v) => v.name === name);
  if (!variable) throw new Error(`${name} is not a row of RELAY_ENV_VARIABLES`);
  return variable;
}

/** The variables as --help lists them: name, default, what it sets. */
export function relayEnvHelp(variables: readonly RelayEnvVariable[] = RELAY_ENV_VARIABLES): string {
  const width = Math.max(...variables.map((v) => v.name.length)) + 2;
  return variables
    .map((v) => {
      const accepted = v.kind === 'choice' ? ` (${v.choices!.join(' | ')})` : '';
      const fallback = v.default ? `; default ${v.default}` : '';
      return `  ${v.name.padEnd(width)}${v.help}${accepted}${fallback}`;
    })
    .join('\n');
}

/**
 * The variables as a Markdown table (docs/sidecar.md holds this text between its
 * `relay-env-table` markers; a spec fails when the two differ).
 */
export function relayEnvMarkdown(variables: readonly RelayEnvVariable[] = RELAY_ENV_VARIABLES): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = variables.map((v) => {
    const accepted = v.kind === 'choice' ? ` (${v.choices!.map((c) => `\`${c}\``).join(', ')})` : '';
    return `| \`${v.name}\` | ${v.default ? cell(v.default) : '—'} | ${cell(v.help)}${cell(accepted)} |`;
  });
  return ['| variable | default | what it sets |', '| --- | --- | --- |', ...rows].join('\n');
}

/** A value read from the environment, by kind. */
export type RelayEnvValue = string | number | string[] | null;

/** A `switch` value: on or off, as a person or a JSON config file (true/false) writes it. */
const SWITCH_ON = ['on', 'true', '1', 'yes'];
const SWITCH_OFF = ['off', 'false', '0', 'no'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/**
 * The value of `variable` in `env`, checked by its kind: undefined when unset or empty, else the
 * parsed value; a value that does not fit throws InvalidConfigError naming the variable and
 * what it accepts. Never echoes DATABASE_URL (it may hold a password).
 */
export function readRelayEnv(env: NodeJS.ProcessEnv, variable: RelayEnvVariable): RelayEnvValue | undefined {
  const raw = env[variable.name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = raw.trim();
  const refuse = (accepts: string): never => {
    throw new InvalidConfigError(variable.name, `must be ${accepts}, got "${value}". See outbox-relay --help.`);
  };
  switch (variable.kind) {
    case 'postgres-url':
      return postgresUrl(variable.name, value);
    case 'brokers':
      return brokerList(variable.name, value);
    case 'positive-integer':
      if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) refuse('a whole number of at least 1 (digits only, e.g. 500)');
      return Number(value);
    case 'non-negative-integer':
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) refuse('a whole number of at least 0 (digits only, e.g. 2)');
      return Number(value);
    case 'ms-or-forever':
      if (value === 'forever') return null;
      if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) refuse('a whole number of milliseconds of at least 1, or "forever"');
      return Number(value);
    case 'port':
      if (!/^\d+$/.test(value) || Number(value) > 65535) refuse('a port number from 0 to 65535 (0: any free port)');
      return Number(value);
    case 'host':
      if (!isHost(value)) refuse('a host name or IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0 (no scheme, no port)');
      return value;
    case 'choice': {
      const chosen = variable.ignoreCase ? value.toLowerCase() : value;
      if (!variable.choices!.includes(chosen)) refuse(`one of ${variable.choices!.join(', ')}`);
      return chosen;
    }
    case 'switch': {
      const lower = value.toLowerCase();
      if (SWITCH_ON.includes(lower)) return 'on';
      if (SWITCH_OFF.includes(lower)) return 'off';
      return refuse('on or off (true/false, yes/no and 1/0 are taken too)');
    }
    case 'identifier':
      if (!IDENTIFIER.test(value)) refuse('a plain name: letters, digits and "_", starting with a letter or "_", at most 63 characters');
      return value;
    case 'text':
      if (value.length > 200 || /[\u0000-\u001f\u007f]/.test(value)) refuse('at most 200 printable characters');
      return value;
    case 'half':
    case 'file':
      return value;
    case 'secret':
      // Never echoed: the refusal says what is wrong, not what was given.
      if (/[\u0000-\u001f\u007f]/.test(value)) throw new InvalidConfigError(variable.name, 'must not hold control characters or line breaks (the value is not shown). See outbox-relay --help.');
      return value;
    case 'path':
      if (/[\u0000]/.test(value)) refuse('a file path');
      return value;
  }
}

function postgresUrl(name: string, value: string): string {
  const explain =
    'must be a PostgreSQL URL such as postgres://user:password@host:5432/database (postgres:// or postgresql://, with a host; ' +
    'a socket directory goes in ?host=/path). The value is not shown: it may hold a password.';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidConfigError(name, explain);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new InvalidConfigError(name, explain);
  if (!url.hostname && !url.searchParams.get('host')) throw new InvalidConfigError(name, explain);
  if (url.port !== '' && (Number(url.port) < 1 || Number(url.port) > 65535)) throw new InvalidConfigError(name, explain);
  return value;
}

/** `value` as host:port entries, each checked; a refusal names `name` (KAFKA_BROKERS, --brokers). */
export function brokerList(name: string, value: string): string[] {
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[^:\s[\]/]+):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[2]) : 0;
    const host = match?.[1]?.replace(/^\[|\]$/g, '') ?? '';
    if (!match || port < 1 || port > 65535 || !isHost(host)) {
      throw new InvalidConfigError(
        name,
        `must be comma-separated host:port pairs with ports from 1 to 65535, e.g. kafka-1:9092,kafka-2:9092; "${entry}" is not one. See outbox-relay --help.`,
      );
    }
  }
  return entries;
}

function isHost(value: string): boolean {
  if (HOST_NAME.test(value)) return true;
  return value.includes(':') && IPV6.test(value);
}
