import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELAY_ENV_VARIABLES } from '../../../packages/kafka-relay/src/cli/relay-env-variables.js';
import { kafkaBrokers, freshDatabase } from '@outboxkit/test-support/servers';
import { waitFor } from '@outboxkit/test-support/wait';
import { fixtureFile } from '@outboxkit/test-support/fixture-files';

/**
 * The sidecar as an operator starts it, in a fresh project outside the workspace: `npm run relay`
 * (a package.json script) and `npx outbox-relay`, against the real PostgreSQL and Kafka. npm 11
 * passes SIGTERM to its `sh -c` only and dash dies of it without passing it on, so the relay is
 * re-parented; it must notice and stop gracefully ("relay stopped", exit 0), leaving no process.
 * The configuration comes from a --config file whose KAFKA_BROKERS the environment overrides
 * (a relay that read the file's brokers would never get ready).
 */
const RELAY_BIN = fileURLToPath(new URL('../../../packages/kafka-relay/bin/outbox-relay.js', import.meta.url));
const ANNOUNCE_EXIT = pathToFileURL(fixtureFile('announce-exit.mjs')).href;
const FILE_PASSWORD = 'sidecar-file-Pa55word';
/** From SIGTERM to npm until the relay is gone: the parent watch polls every 250 ms, the stop finishes a batch. */
const STOP_DEADLINE_MS = 30_000;

let database: Awaited<ReturnType<typeof freshDatabase>>;
let project: string;

beforeAll(async () => {
  database = await freshDatabase('ok_sidecar_npm');
  project = mkdtempSync(join(tmpdir(), 'outbox-relay-npm-'));
  // What `npm install @outboxkit/kafka-relay` leaves for the bin: a link in node_modules/.bin.
  mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(RELAY_BIN, join(project, 'node_modules', '.bin', 'outbox-relay'));
  const url = new URL(database.url);
  url.password = FILE_PASSWORD; // trust authentication: any password does, and none may be printed
  writeFileSync(
    join(project, 'relay.json'),
    JSON.stringify({ DATABASE_URL: url.toString(), KAFKA_BROKERS: ['file-broker.invalid:9092'], OUTBOX_HTTP_PORT: 0, OUTBOX_HTTP_HOST: '0.0.0.0' }),
  );
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'sidecar-project', version: '1.0.0', private: true, scripts: { relay: 'outbox-relay --config relay.json' } }),
  );
});

afterAll(async () => {
  if (project) rmSync(project, { recursive: true, force: true });
  await database?.drop();
});

interface Started {
  npmPid: number;
  relayPid: number;
  httpPort: number;
  output: () => string;
  /** Resolves when every holder of npm's stdout and stderr is gone (npm, its shell, the relay). */
  streamsClosed: Promise<void>;
}

/** Starts `command args…` in the project and waits until the relay under it is ready. */
async function startUnderNpm(command: 'npm' | 'npx', args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(command, args, {
    cwd: project,
    env: {
      // Not the test runner's own settings: the file and these are the whole configuration.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(OUTBOX_|KAFKA_|DATABASE_URL$)/.test(name))),
      KAFKA_BROKERS: kafkaBrokers().join(','),
      OUTBOX_LOG_LEVEL: 'info',
      NODE_OPTIONS: `--import=${ANNOUNCE_EXIT}`,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let open = 2;
  let markClosed: () => void = () => {};
  const streamsClosed = new Promise<void>((resolve) => (markClosed = resolve));
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stream.on('close', () => --open === 0 && markClosed());
  }
  await waitFor(() => output.includes('"msg":"relay ready"') || child.exitCode !== null, 60_000, `the relay under ${command} to be ready`);
  const ready = logLine(output, 'relay ready');
  expect(ready, output).toBeDefined();
  const relayPid = Number(/:(\d+):[0-9a-f]{6}$/.exec(String(ready!.instanceId))?.[1]);
  expect(relayPid).not.toBe(child.pid);
  return { npmPid: child.pid!, relayPid, httpPort: Number(ready!.httpPort), output: () => output, streamsClosed };
}

function logLine(output: string, msg: string): Record<string, unknown> | undefined {
  return logLines(output).find((line) => line.msg === msg);
}

function logLines(output: string): Record<string, unknown>[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Alive and not a zombie (a re-parented process whose new parent does not reap would linger as one). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Processes still running out of this test's project directory (their working directory or their
 * command line names it): the shell and the relay, if anything was left. Not matched by the
 * command alone: another test run on the machine runs the same command in a project of its own.
 */
function processesOfProject(): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && running(Number(entry)))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        return cmdline.includes(project) || cwd === project || cwd.startsWith(`${project}/`) ? [`${pid}: ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

async function expectGracefulStop(started: Started, how: string) {
  const stoppedBy = Date.now() + STOP_DEADLINE_MS;
  await Promise.race([
    started.streamsClosed,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${how}: the relay still holds its output ${STOP_DEADLINE_MS} ms after SIGTERM:\n${started.output()}`)), STOP_DEADLINE_MS)),
  ]);
  await waitFor(() => !running(started.relayPid), Math.max(1000, stoppedBy - Date.now()), `${how}: relay process ${started.relayPid} to be gone`);
  const lines = logLines(started.output());
  expect(lines.find((l) => l.msg === 'shutting down'), started.output()).toMatchObject({ reason: expect.stringMatching(/^parent process exited/) });
  expect(lines.find((l) => l.msg === 'relay stopped'), started.output()).toBeDefined();
  expect(lines.find((l) => l.msg === 'process exit' && l.pid === started.relayPid), started.output()).toMatchObject({ code: 0 });
  expect(processesOfProject()).toEqual([]);
  expect(started.output()).not.toContain(FILE_PASSWORD);
}

describe('outbox-relay under npm run and npx', () => {
  it('npm run relay: SIGTERM to npm stops the relay gracefully (exit 0), nothing left running; the file and its env override applied', async () => {
    const started = await startUnderNpm('npm', ['run', 'relay']);
    // The file was read (names only), the environment's brokers won, and binding 0.0.0.0 was warned about.
    expect(logLine(started.output(), 'configuration file read')).toMatchObject({ file: 'relay.json', keys: ['DATABASE_URL', 'OUTBOX_HTTP_HOST', 'OUTBOX_HTTP_PORT'] });
    expect(logLine(started.output(), 'ops endpoints listen beyond loopback')).toMatchObject({ host: '0.0.0.0', port: started.httpPort });
    const readyz = await fetch(`http://127.0.0.1:${started.httpPort}/readyz`);
    expect(readyz.status).toBe(200);
    process.kill(started.npmPid, 'SIGTERM');
    await expectGracefulStop(started, 'npm run relay');
  });

  it('npx outbox-relay: the same', async () => {
    const started = await startUnderNpm('npx', ['--no-install', 'outbox-relay', '--config', 'relay.json']);
    process.kill(started.npmPid, 'SIGTERM');
    await expectGracefulStop(started, 'npx outbox-relay');
  });

  it('what the watch is for: with OUTBOX_STOP_WITH_PARENT=off the relay outlives npm, and only its own SIGTERM stops it', async () => {
    const started = await startUnderNpm('npm', ['run', 'relay'], { OUTBOX_STOP_WITH_PARENT: 'off' });
    try {
      process.kill(started.npmPid, 'SIGTERM');
      await waitFor(() => !running(started.npmPid), 30_000, 'npm to exit');
      // npm is gone and passed nothing on: the relay is still running, and still serving.
      expect(running(started.relayPid)).toBe(true);
      expect((await fetch(`http://127.0.0.1:${started.httpPort}/healthz`)).status).toBe(200);
      expect(logLine(started.output(), 'shutting down')).toBeUndefined();
    } finally {
      if (running(started.relayPid)) process.kill(started.relayPid, 'SIGTERM');
    }
    await started.streamsClosed;
    expect(logLine(started.output(), 'shutting down')).toMatchObject({ signal: 'SIGTERM' });
    expect(logLine(started.output(), 'relay stopped')).toBeDefined();
    expect(processesOfProject()).toEqual([]);
  });
});

describe('outbox-relay operator surface (no connection made)', () => {
  const bin = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [RELAY_BIN, ...args], { cwd: project, env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8', timeout: 30_000 });

  it('--help exits 0 and lists every variable with its default, even with a broken OUTBOX_CONFIG_FILE', () => {
    const run = bin(['--help'], { OUTBOX_CONFIG_FILE: 'absent.json' });
    expect(run.status, run.stderr).toBe(0);
    for (const v of RELAY_ENV_VARIABLES) expect(run.stdout).toMatch(new RegExp(`^  ${v.name} .*${v.default ? `default ${escape(v.default)}` : ''}`, 'm'));
    expect(run.stdout).toContain('--config <file>');
    const version = bin(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a bad key of the file exits 2 naming the key and the file; a short checker secret exits 2 with the rule, never the secret', () => {
    writeFileSync(join(project, 'typo.json'), JSON.stringify({ DATABASE_URL: 'postgres://a:b@127.0.0.1:9/x', KAFKA_BROKERS: '127.0.0.1:9', OUTBOX_PIPELINE: 2 }));
    const typo = bin(['--config', 'typo.json']);
    expect(typo.status, typo.stderr).toBe(2);
    expect(typo.stderr).toMatch(/OUTBOX_PIPELINE \(in typo\.json\): is not a setting of outbox-relay; did you mean OUTBOX_PIPELINES\?/);
    const secret = 'too-short-secret';
    const short = bin([], {
      DATABASE_URL: 'postgres://a:b@127.0.0.1:9/x',
      KAFKA_BROKERS: '127.0.0.1:9',
      OUTBOX_CHECKER_URL: 'http://127.0.0.1:9/check',
      OUTBOX_CHECKER_SECRET: secret.slice(0, 15),
    });
    expect(short.status, short.stderr).toBe(2);
    expect(short.stderr).toMatch(/OUTBOX_CHECKER_SECRET: is shorter than 16 characters: it must be at least 16 characters.*openssl rand -hex 32/);
    expect(short.stderr).not.toContain(secret.slice(0, 15));
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
