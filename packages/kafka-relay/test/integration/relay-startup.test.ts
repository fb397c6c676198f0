// The relay CLI's start-up and its operation against servers that do not answer (docs/guarantees.md
// §4.9): the real `outbox-relay` bin as a child process, the real PostgreSQL and Kafka, and TCP
// ports that accept and stay silent.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '@outboxkit/core';
import { RELAY_ENV_VARIABLES } from '../../src/cli/relay-env-variables.js';
import { startRelayProcess, type RelayProcess } from '@outboxkit/test-support/relay-process';
import { uniqueName } from '@outboxkit/test-support/servers';
import { startFreezableProxy, startSilentServer, type SilentServer } from '@outboxkit/test-support/silent-server';
import { fixtureFile } from '@outboxkit/test-support/fixture-files';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { relayEnv, startRelay, statusCounts, stopRelay, waitFor, type StartedRelay } from './relay-support.js';

const { database, outbox } = useRelayFixture({ prefix: 'ok_relay_startup' });
let silentDatabase: SilentServer;
let silentKafka: SilentServer;

beforeAll(async () => {
  [silentDatabase, silentKafka] = await Promise.all([startSilentServer(), startSilentServer()]);
});

afterAll(async () => {
  await Promise.all([silentDatabase?.close(), silentKafka?.close()]);
});

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Environment pointing both servers at ports that never answer, with a password that must never be printed. */
function silentEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: `postgres://relay:hunter2-secret@${silentDatabase.address}/orders`,
    KAFKA_BROKERS: silentKafka.address,
    ...extra,
  };
}

/** Runs the CLI to its end (killed after `timeoutMs`: a hang fails the test instead of stalling it). */
async function runToEnd(process: RelayProcess, timeoutMs = 30_000) {
  const timer = setTimeout(() => process.child.kill('SIGKILL'), timeoutMs);
  const result = await process.exited;
  clearTimeout(timer);
  return { ...result, output: process.output() };
}

/** Preloaded hook that announces when the bin starts loading the CLI's modules. */
const ANNOUNCE_LOADING = fixtureFile('announce-cli-loading.mjs');
const CLI_LOADING = 'outboxkit-test: loading the CLI modules';

describe('outbox-relay command line', () => {
  it.each([['--help'], ['-h'], ['help']])('%s prints the usage with every environment variable, exits 0 and connects nowhere', async (flag) => {
    const result = await runToEnd(startRelayProcess(silentEnv(), [flag]));
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.output).toContain('usage: outbox-relay');
    for (const variable of RELAY_ENV_VARIABLES) expect(result.output).toContain(variable.name);
    expect(result.output).toContain('OUTBOX_DB_CONNECT_TIMEOUT_MS');
    expect(silentDatabase.connections + silentKafka.connections).toBe(0);
  });

  it.each([['--version'], ['-v']])('%s prints the version, exits 0 and connects nowhere', async (flag) => {
    const result = await runToEnd(startRelayProcess(silentEnv(), [flag]));
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.output.trim()).toBe(VERSION);
    expect(silentDatabase.connections + silentKafka.connections).toBe(0);
  });

  it.each([['daed'], ['--batch-size'], ['run']])('an unknown first argument (%s) prints the usage, exits 2 and connects nowhere', async (argument) => {
    const result = await runToEnd(startRelayProcess(silentEnv(), [argument]));
    expect(result).toMatchObject({ code: 2, signal: null });
    expect(result.output).toContain(`unknown command "${argument}"`);
    expect(result.output).toContain('usage: outbox-relay');
    expect(silentDatabase.connections + silentKafka.connections).toBe(0);
  });
});

describe('outbox-relay start-up', () => {
  it('a database port that accepts and never answers: exits 1 after the connect timeout, naming host:port, never the password', async () => {
    const started = Date.now();
    const relay = startRelayProcess(
      relayEnv(database.url, { DATABASE_URL: silentEnv().DATABASE_URL!, OUTBOX_DB_CONNECT_TIMEOUT_MS: '1500', OUTBOX_HALF_CHECKS: 'off' }),
    );
    const result = await runToEnd(relay, 60_000);
    expect(result, result.output).toMatchObject({ code: 1, signal: null });
    expect(result.output).toContain(`PostgreSQL at ${silentDatabase.address}/orders did not accept a connection within 1500 ms`);
    expect(result.output).toContain('"code":"OUTBOX_DATABASE_TIMEOUT"');
    expect(result.output).not.toContain('hunter2');
    expect(silentDatabase.connections).toBeGreaterThan(0);
    // Well before the minute it used to hang (the timeout, plus the process's own start).
    expect(Date.now() - started).toBeLessThan(45_000);
  });

  it.each([['dead', 'list'], ['half', 'list']])('%s %s against a database that never answers: exits 1 after the connect timeout, naming host:port', async (...args) => {
    const result = await runToEnd(startRelayProcess(silentEnv({ OUTBOX_DB_CONNECT_TIMEOUT_MS: '1500' }), args), 60_000);
    expect(result, result.output).toMatchObject({ code: 1, signal: null });
    expect(result.output).toContain(`PostgreSQL at ${silentDatabase.address}/orders did not accept a connection within 1500 ms`);
    expect(result.output).not.toContain('hunter2');
  });

  it('SIGTERM while the relay is still loading: logs "stopping before start", exits 0, connects nowhere', async () => {
    const connectionsBefore = silentDatabase.connections + silentKafka.connections;
    // The moment the bin starts loading the relay's modules (a few hundred ms of work): a SIGTERM
    // there used to kill the process silently (143).
    const relay = startRelayProcess(silentEnv(), [], ['--import', ANNOUNCE_LOADING]);
    const deadline = Date.now() + 30_000;
    while (!relay.output().includes(CLI_LOADING) && relay.child.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    relay.child.kill('SIGTERM');
    const result = await runToEnd(relay);
    expect(result, result.output).toMatchObject({ code: 0, signal: null });
    expect(result.output).toContain('"msg":"stopping before start"');
    expect(result.output).toContain('"signal":"SIGTERM"');
    expect(silentDatabase.connections + silentKafka.connections).toBe(connectionsBefore);
  });

  it('SIGTERM while the start waits on a database that never answers: shuts down and exits 0', async () => {
    const relay = startRelayProcess(
      relayEnv(database.url, { DATABASE_URL: silentEnv().DATABASE_URL!, OUTBOX_DB_CONNECT_TIMEOUT_MS: '2000', OUTBOX_HALF_CHECKS: 'off' }),
    );
    const before = silentDatabase.connections;
    await waitFor(() => silentDatabase.connections > before, 30_000, 'the relay to connect to the silent database');
    relay.child.kill('SIGTERM');
    const result = await runToEnd(relay, 60_000);
    expect(result, result.output).toMatchObject({ code: 0, signal: null });
    expect(result.output).toContain('"msg":"shutting down"');
    expect(result.output).toContain('"msg":"relay stopped"');
  });
});

describe('outbox-relay in operation', () => {
  it('a database that stops answering: failed batches name the timeout and the server, then "publishing resumed" once it answers again', async () => {
    const target = new URL(database.url);
    const proxy = await startFreezableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    const topic = uniqueName('ok.frozen');
    let relay: StartedRelay | undefined;
    try {
      relay = await startRelay(
        relayEnv(viaProxy.toString(), {
          OUTBOX_DB_QUERY_TIMEOUT_MS: '4000',
          OUTBOX_DB_CONNECT_TIMEOUT_MS: '2000',
          OUTBOX_BACKOFF_MAX_MS: '500',
          OUTBOX_PIPELINES: '1',
          OUTBOX_HALF_CHECKS: 'off',
        }),
      );
      const failures = () => relay!.logs().filter((l) => l.msg === 'relay step failed; backing off');
      proxy.freeze();
      await waitFor(() => failures().length > 0, 60_000, 'a failed batch while the database does not answer');
      const failure = failures()[0]!;
      expect(failure).toMatchObject({ lane: 0, consecutiveFailures: 1, error: { name: 'DatabaseTimeoutError', code: 'OUTBOX_DATABASE_TIMEOUT' } });
      expect(typeof failure.retryInMs).toBe('number');
      expect(JSON.stringify(failure)).toContain(`PostgreSQL at 127.0.0.1:${proxy.port}/${database.name}`);
      proxy.thaw();

      // It recovers on its own and says so once; a message sent now is published.
      await waitFor(() => relay!.logs().some((l) => l.msg === 'publishing resumed'), 60_000, 'the relay to resume');
      await outbox.transaction(async () => send({ topic, key: 'k', value: { after: 'thaw' } }));
      await waitFor(async () => (await statusCounts(database.url, topic)).PUBLISHED === 1, 60_000, 'the message after the thaw');
      // One resume for the outage, counting its failures (leases that ran out while the database
      // was frozen may fail one more batch afterwards: an outage of its own, with its own resume).
      const logs = relay.logs();
      const firstResume = logs.findIndex((l) => l.msg === 'publishing resumed');
      const outageFailures = logs.slice(0, firstResume).filter((l) => l.msg === 'relay step failed; backing off');
      expect(logs[firstResume]).toMatchObject({ level: 'info', failedAttempts: outageFailures.length });
      expect(Number(logs[firstResume]!.downMs)).toBeGreaterThan(0);
      expect(relay.child.exitCode).toBeNull();
    } finally {
      proxy.thaw();
      if (relay) await stopRelay(relay);
      await proxy.close();
    }
  });

  it("kafkajs's expected noise stays out of warn and error lines: no EoS warning per producer, no error for a new topic's first send", async () => {
    const topic = uniqueName('ok.fresh'); // created by the relay's first send
    let relay: StartedRelay | undefined;
    try {
      relay = await startRelay(relayEnv(database.url, { OUTBOX_HALF_CHECKS: 'off' }));
      await outbox.transaction(async () => [0, 1, 2].map((i) => send({ topic, key: `k${i}`, value: { i } })));
      await waitFor(async () => (await statusCounts(database.url, topic)).PUBLISHED === 3, 60_000, 'the first publications to a new topic');
    } finally {
      if (relay) await stopRelay(relay);
    }
    const loud = relay!.logs().filter((l) => (l.level === 'warn' || l.level === 'error') && String(l.msg).startsWith('kafkajs:'));
    expect(loud).toEqual([]);
  });
});
