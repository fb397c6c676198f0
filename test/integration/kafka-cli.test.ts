// `node scripts/kafka.mjs start` / `stop` with two brokers at once: each start keeps its own state
// (keyed by port), so `stop --port` stops that broker and no other, and a bare `stop` refuses to
// guess. The brokers are this test's own, their state in a cache folder of its own (the broker
// jars linked in), so no other broker on this machine is ever seen, let alone stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { cacheRoot, fetchKafka } from '../../scripts/kafka/fetch.mjs';

const KAFKA_CLI = fileURLToPath(new URL('../../scripts/kafka.mjs', import.meta.url));

let cacheDir: string;
const starts: ChildProcess[] = [];

function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OUTBOXKIT_CACHE_DIR: cacheDir };
  delete env.KAFKA_BROKERS;
  return env;
}

/** `kafka.mjs start` in the foreground; resolves with its port once it printed KAFKA_BROKERS. */
function startBroker(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [KAFKA_CLI, 'start'], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  starts.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /KAFKA_BROKERS=127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]) });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`kafka.mjs start exited (${code}) before it was ready:\n${output}`)));
  });
}

/** `kafka.mjs stop [args]` to its end. */
function stop(args: string[] = []): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [KAFKA_CLI, 'stop', ...args], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

async function answers(port: number): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'kafka-cli-test',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 3_000,
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

beforeAll(async () => {
  const { version } = (await fetchKafka()) as { version: string };
  cacheDir = await mkdtemp(join(tmpdir(), 'outboxkit-kafka-cli-'));
  // The jars of the real cache, under this test's own cache folder: nothing is downloaded.
  await symlink(join(cacheRoot() as string, `kafka-${version}`), join(cacheDir, `kafka-${version}`));
});

afterAll(async () => {
  for (const child of starts) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await Promise.all(starts.map(exited));
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

describe('kafka.mjs start / stop with several brokers', () => {
  it('stop --port stops that broker and leaves the other running; a bare stop refuses while two run, and stops the only one', async () => {
    const [a, b] = await Promise.all([startBroker(), startBroker()]);
    expect(a.port).not.toBe(b.port);

    // Two brokers: a bare stop names them and stops neither.
    const refused = await stop();
    expect(refused.code, refused.output).toBe(2);
    expect(refused.output).toContain(`127.0.0.1:${a.port}`);
    expect(refused.output).toContain(`127.0.0.1:${b.port}`);
    expect(refused.output).toContain('--port');
    expect(await answers(a.port)).toBe(true);
    expect(await answers(b.port)).toBe(true);

    // A port no broker of kafka.mjs listens on: refused, nothing stopped.
    const unknown = await stop(['--port', '1']);
    expect(unknown.code, unknown.output).toBe(1);
    expect(unknown.output).toContain(`127.0.0.1:${a.port}`);

    // By port: that one stops, the other keeps answering.
    const stopped = await stop(['--port', String(a.port)]);
    expect(stopped.code, stopped.output).toBe(0);
    expect(stopped.output).toContain(`stopped 127.0.0.1:${a.port}`);
    await exited(a.child);
    expect(await answers(a.port)).toBe(false);
    expect(b.child.exitCode).toBeNull();
    expect(await answers(b.port)).toBe(true);
    expect(readdirSync(join(cacheDir, 'kafka-cli'))).toEqual([`${b.port}.json`]);

    // One left: a bare stop stops it, and its state goes with it.
    const last = await stop();
    expect(last.code, last.output).toBe(0);
    expect(last.output).toContain(`stopped 127.0.0.1:${b.port}`);
    await exited(b.child);
    expect(existsSync(join(cacheDir, 'kafka-cli', `${b.port}.json`))).toBe(false);
    expect(await stop()).toMatchObject({ code: 0, output: expect.stringContaining('nothing to stop') });
  });
});
