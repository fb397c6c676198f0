import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidMessageIdError, OutboxError, send } from '@outboxkit/core';
import { newMessageId } from '@outboxkit/core/internal';
import { halfCommand, relayOptionsFromEnv, replayOptionsFromArgs } from '@outboxkit/kafka-relay/internal';
import { deadCommand } from '../../../packages/kafka-relay/src/cli/dead-command.js';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';
import { startRelayProcess, type RelayProcess } from '@outboxkit/test-support/relay-process';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { startSilentServer, type SilentServer } from '@outboxkit/test-support/silent-server';

/**
 * Hostile and mistaken input to the `outbox-relay` CLI, run as an operator runs it: the relay's
 * environment, the `dead`, `half` and `replay` commands, and the ops endpoints. Each case is
 * refused with a typed error (class and code, checked in process) that names the variable or
 * argument and says what is accepted; the CLI exits 2 with that message, repeats no password, and
 * connects to nothing — DATABASE_URL and KAFKA_BROKERS point at ports that accept and count
 * connections and never answer — so nothing can be written or published (docs/guarantees.md §4.7).
 */
const SECRET = 'hostile-relay-Pa55word';

let silentDatabase: SilentServer;
let silentKafka: SilentServer;
let db: OutboxTestDatabase;

beforeAll(async () => {
  [silentDatabase, silentKafka, db] = await Promise.all([startSilentServer(), startSilentServer(), openOutboxTestDatabase('ok_hostile_relay')]);
});

afterAll(async () => {
  await Promise.all([silentDatabase?.close(), silentKafka?.close()]);
  await closeOutboxTestDatabase(db ?? {});
});

/** A valid environment, whose servers never answer and whose password must never be printed. */
function silentEnv(): Record<string, string> {
  return {
    DATABASE_URL: `postgres://relay:${SECRET}@${silentDatabase.address}/orders`,
    KAFKA_BROKERS: silentKafka.address,
    OUTBOX_LOG_LEVEL: 'info',
  };
}

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** Connections the silent servers accepted during the run. */
  connections: number;
}

/** The CLI to its end; killed after `timeoutMs` (a hang must fail the case, not stall the suite). */
async function cli(args: string[], env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<CliRun> {
  const before = silentDatabase.connections + silentKafka.connections;
  const clean = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as Record<string, string>;
  const relay: RelayProcess = startRelayProcess(clean, args);
  const timer = setTimeout(() => relay.child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await relay.exited;
  clearTimeout(timer);
  return { code, signal, output: relay.output(), connections: silentDatabase.connections + silentKafka.connections - before };
}

function expectRefusedByCli(run: CliRun, says: RegExp[]) {
  expect(run.code, run.output).toBe(2);
  for (const fragment of says) expect(run.output).toMatch(fragment);
  expect(run.output).not.toContain(SECRET);
  expect(run.connections).toBe(0);
}

async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectTyped(error: unknown, type: abstract new (...args: never[]) => OutboxError, code: string, says: RegExp[]) {
  expect(error).toBeInstanceOf(type);
  expect(error).toMatchObject({ code });
  for (const fragment of says) expect((error as Error).message).toMatch(fragment);
  expect((error as Error).message).not.toContain(SECRET);
}

interface EnvCase {
  name: string;
  /** Changes to the valid environment (undefined unsets a variable). */
  env: Record<string, string | undefined>;
  /** The variable the error must name. */
  variable: string;
  /** What the message must also say: what is accepted, or what to do. */
  says: RegExp[];
}

const envCases: EnvCase[] = [
  { name: 'a negative batch size', env: { OUTBOX_BATCH_SIZE: '-5' }, variable: 'OUTBOX_BATCH_SIZE', says: [/whole number of at least 1/, /"-5"/] },
  { name: 'a fractional batch size', env: { OUTBOX_BATCH_SIZE: '1.5' }, variable: 'OUTBOX_BATCH_SIZE', says: [/whole number of at least 1/, /"1\.5"/] },
  { name: 'NaN pipelines', env: { OUTBOX_PIPELINES: 'NaN' }, variable: 'OUTBOX_PIPELINES', says: [/whole number/, /"NaN"/] },
  { name: 'zero partitions', env: { OUTBOX_PARTITIONS: '0' }, variable: 'OUTBOX_PARTITIONS', says: [/at least 1/] },
  { name: 'a lease with a unit', env: { OUTBOX_LEASE_MS: '10s' }, variable: 'OUTBOX_LEASE_MS', says: [/digits only/, /"10s"/] },
  { name: 'a number in exponent notation', env: { OUTBOX_MAX_RECORD_BYTES: '1e6' }, variable: 'OUTBOX_MAX_RECORD_BYTES', says: [/digits only, e\.g\. 500/] },
  { name: 'a zero connect timeout', env: { OUTBOX_DB_CONNECT_TIMEOUT_MS: '0' }, variable: 'OUTBOX_DB_CONNECT_TIMEOUT_MS', says: [/at least 1/] },
  { name: 'an unknown retention mode', env: { OUTBOX_RETENTION: 'archive' }, variable: 'OUTBOX_RETENTION', says: [/one of keep, delete/] },
  { name: 'an unknown dead-key policy', env: { OUTBOX_DEAD_KEY_POLICY: 'skip' }, variable: 'OUTBOX_DEAD_KEY_POLICY', says: [/one of hold, pass/] },
  { name: 'an unknown log level', env: { OUTBOX_LOG_LEVEL: 'verbose' }, variable: 'OUTBOX_LOG_LEVEL', says: [/one of debug, info, warn, error, silent/] },
  { name: 'a retention that is neither a number nor "forever"', env: { OUTBOX_RETENTION_MS: 'never' }, variable: 'OUTBOX_RETENTION_MS', says: [/or "forever"/] },
  { name: 'no DATABASE_URL', env: { DATABASE_URL: undefined }, variable: 'DATABASE_URL', says: [/is not set/, /postgres:\/\/user:password@host:5432\/database/] },
  {
    name: 'a DATABASE_URL that is not a URL (holding a password)',
    env: { DATABASE_URL: `host=db user=relay password=${SECRET}` },
    variable: 'DATABASE_URL',
    says: [/must be a PostgreSQL URL such as postgres:\/\//, /not shown: it may hold a password/],
  },
  {
    name: 'a DATABASE_URL of another database',
    env: { DATABASE_URL: `mysql://root:${SECRET}@127.0.0.1:3306/orders` },
    variable: 'DATABASE_URL',
    says: [/postgres:\/\/ or postgresql:\/\//],
  },
  { name: 'an empty KAFKA_BROKERS', env: { KAFKA_BROKERS: '' }, variable: 'KAFKA_BROKERS', says: [/is not set/, /host:port/] },
  { name: 'a broker without a port', env: { KAFKA_BROKERS: 'kafka' }, variable: 'KAFKA_BROKERS', says: [/host:port pairs/, /"kafka" is not one/] },
  { name: 'a broker port out of range', env: { KAFKA_BROKERS: 'kafka:99999' }, variable: 'KAFKA_BROKERS', says: [/ports from 1 to 65535/] },
  { name: 'an empty entry among the brokers', env: { KAFKA_BROKERS: 'a:9092,,b:9092' }, variable: 'KAFKA_BROKERS', says: [/"" is not one/] },
  { name: 'a broker given as a URL', env: { KAFKA_BROKERS: 'http://kafka:9092' }, variable: 'KAFKA_BROKERS', says: [/e\.g\. kafka-1:9092/] },
  { name: 'an ops port out of range', env: { OUTBOX_HTTP_PORT: '65536' }, variable: 'OUTBOX_HTTP_PORT', says: [/port number from 0 to 65535/] },
  { name: 'a negative ops port', env: { OUTBOX_HTTP_PORT: '-1' }, variable: 'OUTBOX_HTTP_PORT', says: [/port number from 0 to 65535/] },
  { name: 'an ops host given as a URL', env: { OUTBOX_HTTP_PORT: '0', OUTBOX_HTTP_HOST: 'http://0.0.0.0' }, variable: 'OUTBOX_HTTP_HOST', says: [/no scheme, no port/] },
  { name: 'an ops host without a port', env: { OUTBOX_HTTP_HOST: '0.0.0.0' }, variable: 'OUTBOX_HTTP_HOST', says: [/set OUTBOX_HTTP_PORT/] },
  {
    name: 'more pipelines than partitions',
    env: { OUTBOX_PIPELINES: '9', OUTBOX_PARTITIONS: '8' },
    variable: 'OUTBOX_PIPELINES',
    says: [/at most OUTBOX_PARTITIONS \(8\)/],
  },
  {
    name: 'a heartbeat too slow for the lease',
    env: { OUTBOX_LEASE_MS: '4000', OUTBOX_HEARTBEAT_MS: '3000' },
    variable: 'OUTBOX_HEARTBEAT_MS',
    says: [/at most half of OUTBOX_LEASE_MS \(4000\)/],
  },
  { name: 'a slowest poll below the first', env: { OUTBOX_MIN_IDLE_MS: '100', OUTBOX_MAX_IDLE_MS: '5' }, variable: 'OUTBOX_MAX_IDLE_MS', says: [/at least OUTBOX_MIN_IDLE_MS \(100\)/] },
  {
    name: 'a backoff ceiling below its start',
    env: { OUTBOX_BACKOFF_INITIAL_MS: '5000', OUTBOX_BACKOFF_MAX_MS: '100' },
    variable: 'OUTBOX_BACKOFF_MAX_MS',
    says: [/at least OUTBOX_BACKOFF_INITIAL_MS \(5000\)/],
  },
  {
    name: 'a query timeout shorter than a lease',
    env: { OUTBOX_LEASE_MS: '10000', OUTBOX_DB_QUERY_TIMEOUT_MS: '5000' },
    variable: 'OUTBOX_DB_QUERY_TIMEOUT_MS',
    says: [/more than OUTBOX_LEASE_MS \(10000\)/],
  },
  { name: 'SQL in the schema name', env: { OUTBOX_SCHEMA: 'public; DROP TABLE orders' }, variable: 'OUTBOX_SCHEMA', says: [/plain name: letters, digits and "_"/] },
  { name: 'a quote in the channel name', env: { OUTBOX_CHANNEL: 'relay"; NOTIFY x' }, variable: 'OUTBOX_CHANNEL', says: [/plain name/] },
  { name: 'an instance id too long for the lease table', env: { OUTBOX_INSTANCE_ID: 'i'.repeat(300) }, variable: 'OUTBOX_INSTANCE_ID', says: [/at most 200 printable characters/] },
];

describe('outbox-relay environment: hostile and mistaken values', () => {
  it.each(envCases)('$name: InvalidConfigError naming $variable; the CLI exits 2 and connects nowhere', async ({ env, variable, says }) => {
    const full = { ...silentEnv(), ...env };
    const error = await caught(() => relayOptionsFromEnv(full));
    expectTyped(error, InvalidConfigError, 'OUTBOX_INVALID_CONFIG', [new RegExp(`setting ${variable}:`), ...says]);
    expect((error as InvalidConfigError).setting).toBe(variable);

    const run = await cli([], full);
    expectRefusedByCli(run, [new RegExp(`Invalid outboxkit setting ${variable}:`), ...says]);
  });
});

describe('outbox-relay commands: hostile and mistaken arguments', () => {
  const noOutput = () => undefined;

  it.each([
    ['retry with ids that are not message ids', ['retry', 'not-a-uuid', "1'; DELETE FROM outbox_message; --"], InvalidMessageIdError, 'OUTBOX_INVALID_MESSAGE_ID', [/Not a message id: "not-a-uuid"/, /a UUID such as/]],
    ['list with a zero limit', ['list', '--limit', '0'], InvalidConfigError, 'OUTBOX_INVALID_CONFIG', [/--limit/, /positive integer/]],
    ['list with a limit that is not a number', ['list', '--limit=lots'], InvalidConfigError, 'OUTBOX_INVALID_CONFIG', [/--limit/, /positive integer, got "lots"/]],
    ['retry with ids and --all', ['retry', '--all', newMessageId()], InvalidConfigError, 'OUTBOX_INVALID_CONFIG', [/give message ids or --all, not both/]],
  ] as const)('dead %s: typed error, the CLI exits 2 and connects nowhere', async (_name, args, type, code, says) => {
    const env = silentEnv();
    expectTyped(await caught(() => deadCommand([...args], env, noOutput)), type, code, [...says]);
    expectRefusedByCli(await cli(['dead', ...args], env), [...says]);
  });

  it('dead with an unknown action: usage, exit 2, no connection', async () => {
    expectRefusedByCli(await cli(['dead', 'purge', newMessageId()], silentEnv()), [/usage:/, /outbox-relay dead retry/]);
  });

  /** Every outbox row, as far as an operator's action could change it. */
  async function snapshot() {
    const rows = await db.prisma.outboxMessage.findMany({ orderBy: { id: 'asc' } });
    return rows.map(({ id, status, checkCount, parkedAt, nextCheckAt, lastError }) => ({ id, status, checkCount, parkedAt, nextCheckAt, lastError }));
  }

  it.each([
    ['commit', ['commit', 'not-a-uuid']],
    ['rollback', ['rollback', newMessageId(), 'x'.repeat(80)]],
  ] as const)('half %s with an id that is not a message id: InvalidMessageIdError, exit 2, no row changed', async (_name, args) => {
    const topic = uniqueName('ok.hostile.half');
    await db.outbox.transaction(async () => send({ topic, key: 'k', value: { n: 1 } }));
    const env = { DATABASE_URL: db.database.url, KAFKA_BROKERS: silentKafka.address };
    const before = await snapshot();
    expectTyped(await caught(() => halfCommand([...args], env, noOutput)), InvalidMessageIdError, 'OUTBOX_INVALID_MESSAGE_ID', [/Not a message id/, /outbox-relay half list/]);
    const run = await cli(['half', ...args], env);
    expect(run.code, run.output).toBe(2);
    expect(run.output).toMatch(/Not a message id/);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['a decision that is not an action', ['decide', newMessageId(), 'MAYBE']],
    ['a lower-case decision as the action', ['Commit', newMessageId()]],
    ['an action without ids', ['commit']],
  ] as const)('half with %s: the usage, exit 2, no connection', async (_name, args) => {
    expectRefusedByCli(await cli(['half', ...args], silentEnv()), [/usage:/, /outbox-relay half commit <id>/]);
  });

  it.each([
    ['a range that ends before it starts', ['--group', 'g', '--from', '2026-02-01T00:00:00Z', '--to', '2026-01-01T00:00:00Z'], [/--to/, /is before --from/, /swap them/]],
    ['a time that is not a time', ['--group', 'g', '--from', 'yesterday'], [/--from/, /not an ISO 8601 time or epoch milliseconds/]],
    ['no selection', ['--group', 'g'], [/say what to replay: --all, --id, or --from\/--to/]],
    ['a broker without a port', ['--group', 'g', '--all', '--brokers', 'kafka'], [/--brokers/, /host:port pairs/]],
  ] as const)('replay with %s: InvalidConfigError, the usage, exit 2, no connection', async (_name, args, says) => {
    const env = silentEnv();
    expectTyped(await caught(() => replayOptionsFromArgs([...args], env)), InvalidConfigError, 'OUTBOX_INVALID_CONFIG', [...says]);
    expectRefusedByCli(await cli(['replay', ...args], env), [...says, /Usage: outbox-relay replay/]);
  });
});

describe('outbox-relay ops endpoints: hostile requests and settings', () => {
  it('a port another process holds: exits 2 naming the port before connecting anywhere', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      const run = await cli([], { ...silentEnv(), OUTBOX_HTTP_PORT: String(port) });
      expectRefusedByCli(run, [new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`), /OUTBOX_HTTP_PORT/]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('an address that is not on this host: exits 2 naming it before connecting anywhere', async () => {
    // 192.0.2.0/24 is TEST-NET-1: documentation only, never assigned to an interface.
    const run = await cli([], { ...silentEnv(), OUTBOX_HTTP_PORT: '0', OUTBOX_HTTP_HOST: '192.0.2.1' });
    expectRefusedByCli(run, [/cannot listen on 192\.0\.2\.1:0 \(EADDRNOTAVAIL\)/, /OUTBOX_HTTP_HOST/]);
  });

  describe('against a running relay', () => {
    let relay: RelayProcess;
    let base: string;

    beforeAll(async () => {
      relay = startRelayProcess({
        DATABASE_URL: db.database.url,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        OUTBOX_HTTP_PORT: '0',
        OUTBOX_LEASE_MS: '3000',
        OUTBOX_HALF_CHECKS: 'off',
      });
      await relay.ready;
      const ready = relay
        .output()
        .split('\n')
        .map((line) => (line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : {}))
        .find((line) => line.msg === 'relay ready')!;
      base = `http://127.0.0.1:${String(ready.httpPort)}`;
    });

    afterAll(async () => {
      if (relay && relay.child.exitCode === null) {
        relay.child.kill('SIGTERM');
        await relay.exited;
      }
    });

    /** A request with its path as written (fetch would resolve dot segments first). */
    function rawGet(path: string): Promise<{ status: number; body: string }> {
      return new Promise((resolve, reject) => {
        const request = http.get(`${base}/`, { path }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on('error', reject);
      });
    }

    it.each([
      ['an unknown path', '/admin'],
      ['a path that climbs', '/../metrics'],
      ['a probe under another name', '/healthz/../../etc/passwd'],
      ['an encoded path', '/%2e%2e/metrics'],
      ['a probe with a trailing slash', '/healthz/'],
    ])('%s: 404 naming the endpoints there are', async (_name, path) => {
      const response = await rawGet(path);
      expect(response.status).toBe(404);
      expect(response.body).toContain('try /healthz, /readyz or /metrics');
    });

    it.each([['POST', '/healthz'], ['PUT', '/metrics'], ['DELETE', '/readyz'], ['PATCH', '/admin']])(
      '%s %s: 405, allowing GET and HEAD, and the relay goes on',
      async (method, path) => {
        const response = await fetch(`${base}${path}`, { method, body: method === 'DELETE' ? undefined : 'x' });
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toBe('GET, HEAD');
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        expect(relay.child.exitCode).toBeNull();
      },
    );
  });
});
