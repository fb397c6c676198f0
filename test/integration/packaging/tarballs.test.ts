import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic } from '@outboxkit/test-support/kafka';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { waitFor } from '@outboxkit/test-support/wait';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { createDatabase, dropDatabase } from '../../../scripts/postgres.mjs';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { applyMigrations } from '../../../scripts/migrate.mjs';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { prismaOfflineEnv } from '../../../scripts/prisma-generate.mjs';

/**
 * The packages as a user gets them: packed with pnpm (which turns `workspace:` ranges into
 * versions), installed with npm from the tarballs into a fresh project outside the workspace,
 * and the README's quick path run there — `npx outboxkit prisma init`, the migrations applied,
 * the Prisma client generated, a decorated service that sends, `npx outbox-relay`, an inbox
 * consumer that applies the message — once as an ESM app and once as a CommonJS app (tsc's
 * default CommonJS build: plain require()), plus a Jest test with no transform. The project is
 * fixtures/app (its README says what is where).
 *
 * Prisma's engines cannot be downloaded here: install scripts are skipped, the client is
 * generated with the repository's offline setup and the migrations are applied with
 * scripts/migrate.mjs, which records them as `prisma migrate deploy` does.
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/app/', import.meta.url));
const PNPM = 'pnpm@10.34.8';
const PACKAGES = ['core', 'prisma-adapter', 'kafka-relay', 'nestjs'] as const;
const MINUTE = 60_000;

interface Run {
  code: number | null;
  output: string;
}

/** Runs a command to its end; rejects with its output when it fails. */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ code, output });
      else reject(new Error(`${command} ${args.join(' ')} (in ${options.cwd}) exited ${code}:\n${output}`));
    });
  });
}

/** The last line of a program's output that is a JSON object. */
function lastJson(output: string): Record<string, unknown> {
  const line = output.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON line in:\n${output}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** Every process of a detached child's group (npx and the program it started) has exited. */
function groupGone(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return false;
  } catch {
    return true;
  }
}

const work = { dir: '', tarballs: '', app: '' };
/** A tool the project installed (the README's own commands go through npx, as a user types them). */
const bin = (name: string) => path.join(work.app, 'node_modules', '.bin', name);
const database = { name: uniqueName('ok_tarball'), url: '' };
const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

beforeAll(async () => {
  work.dir = await mkdtemp(path.join(tmpdir(), 'outboxkit-tarballs-'));
  work.tarballs = path.join(work.dir, 'tarballs');
  work.app = path.join(work.dir, 'app');
  for (const name of PACKAGES) {
    await run('npx', ['--yes', PNPM, 'pack', '--pack-destination', work.tarballs], { cwd: path.join(REPO, 'packages', name), env: npmEnv });
  }

  // The user's project: the fixture, the shared app sources in each app, a manifest naming the tarballs.
  await cp(FIXTURE, work.app, { recursive: true });
  for (const format of ['esm', 'cjs']) {
    await cp(path.join(work.app, 'shared'), path.join(work.app, format, 'src'), { recursive: true });
  }
  const tarballs = await readdir(work.tarballs);
  const tarball = (name: string) => `file:${path.join(work.tarballs, tarballs.find((file) => file.startsWith(`outboxkit-${name}-`))!)}`;
  const root = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const nest = JSON.parse(await readFile(path.join(REPO, 'packages', 'nestjs', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const dependencies = {
    '@outboxkit/core': tarball('core'),
    '@outboxkit/prisma-adapter': tarball('prisma-adapter'),
    '@outboxkit/kafka-relay': tarball('kafka-relay'),
    '@outboxkit/nestjs': tarball('nestjs'),
    // What a Prisma 7 + NestJS project already has, in the versions the workspace tests with.
    '@prisma/adapter-pg': root.devDependencies['@prisma/adapter-pg'],
    '@prisma/client': root.devDependencies['@prisma/client'],
    prisma: root.devDependencies['prisma'],
    '@nestjs/common': nest.devDependencies['@nestjs/common'],
    '@nestjs/core': nest.devDependencies['@nestjs/core'],
    'reflect-metadata': nest.devDependencies['reflect-metadata'],
    rxjs: nest.devDependencies['rxjs'],
    typescript: root.devDependencies['typescript'],
    '@types/node': root.devDependencies['@types/node'],
    jest: '30.5.2',
  };
  await writeFile(path.join(work.app, 'package.json'), `${JSON.stringify({ name: 'outboxkit-user-app', private: true, dependencies }, null, 2)}\n`);
  // npm, not pnpm: no workspace links. Install scripts are skipped (Prisma's would download engines).
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: work.app, env: npmEnv });

  database.url = await createDatabase(database.name);
}, 10 * MINUTE);

afterAll(async () => {
  await dropDatabase(database.name).catch(() => {});
  if (work.dir) await rm(work.dir, { recursive: true, force: true });
});

describe('the packed tarballs, installed with npm into a fresh project', () => {
  it('hold README, LICENSE, both builds and a manifest without workspace ranges', async () => {
    for (const name of PACKAGES) {
      const file = (await readdir(work.tarballs)).find((f) => f.startsWith(`outboxkit-${name}-`))!;
      const { output } = await run('tar', ['-tzf', path.join(work.tarballs, file)], { cwd: work.dir });
      const entries = output.trim().split('\n');
      const expected = ['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json'];
      expect(expected.filter((file) => !entries.includes(`package/${file}`)), `${name}: missing from the tarball`).toEqual([]);
      expect(entries.filter((e) => /\.spec\.|\/test\//.test(e)), name).toEqual([]);
      const installed = JSON.parse(await readFile(path.join(work.app, 'node_modules', '@outboxkit', name, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(JSON.stringify(installed), name).not.toContain('workspace:');
      expect(installed, name).toMatchObject({ license: 'Apache-2.0', engines: { node: '>=20.19' } });
      expect(await readFile(path.join(work.app, 'node_modules', '@outboxkit', name, 'LICENSE'), 'utf8'), name).toContain('Apache License');
    }
  });

  it('run the quick path: generator, migration, client; a decorated service, npx outbox-relay and a consumer, as ESM and as CommonJS', async () => {
    const offline = prismaOfflineEnv({ ...npmEnv, DATABASE_URL: '' });
    const init = await run('npx', ['--no', 'outboxkit', 'prisma', 'init'], { cwd: work.app, env: offline });
    expect(init.output).toMatch(/outboxkit_init/);
    await applyMigrations(database.url, path.join(work.app, 'prisma', 'migrations'));
    await run('npx', ['--no', 'prisma', 'generate'], { cwd: work.app, env: offline });
    // The two builds, and the CommonJS sources type-checked under node16 resolution too
    // (`module: commonjs` alone means classic `node` resolution).
    const tsc = (tsconfig: string) => run(bin('tsc'), ['-p', tsconfig], { cwd: work.app });
    await Promise.all([tsc('esm/tsconfig.json'), tsc('cjs/tsconfig.json')]);
    await tsc('cjs/tsconfig.node16.json');

    const topics = { esm: uniqueName('tarball_esm'), cjs: uniqueName('tarball_cjs') };
    await Promise.all(Object.values(topics).map((topic) => createTopic(topic, 3)));
    const env = { ...process.env, DATABASE_URL: database.url, KAFKA_BROKERS: kafkaBrokers().join(',') };

    // The relay sidecar as the README starts it. Its own process group, so the test can stop it
    // (and npx) with one SIGTERM.
    const relay = spawn('npx', ['--no', 'outbox-relay'], { cwd: work.app, env: { ...env, OUTBOX_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let relayOutput = '';
    relay.stdout!.on('data', (chunk: Buffer) => (relayOutput += chunk));
    relay.stderr!.on('data', (chunk: Buffer) => (relayOutput += chunk));
    try {
      await waitFor(() => relayOutput.includes('"msg":"relay ready"'), 2 * MINUTE, `relay ready:\n${relayOutput}`);
      const app = (format: 'esm' | 'cjs') =>
        run(process.execPath, [path.join(format, 'dist', 'src', 'main.js')], {
          cwd: work.app,
          env: { ...env, ORDERS_TOPIC: topics[format], CONSUMER_GROUP: uniqueName(`tarball_${format}`) },
        }).then(({ output }) => lastJson(output));
      const [esm, cjs] = await Promise.all([app('esm'), app('cjs')]);

      const entryPoints = { core: true, prismaAdapter: true, nestjs: true, generator: true, kafkaRelay: true };
      for (const [result, placedCount] of [
        [esm, 2], // the second order's message is sent through the CommonJS copy of the core
        [cjs, 1],
      ] as const) {
        expect(result, String(result.format)).toMatchObject({
          rejected: 'quantity must be positive',
          rolledBack: { orders: 0, messages: 0 },
          outside: 'NoActiveTransactionError',
          shippedInDatabase: placedCount,
          entryPoints,
        });
        expect(result.placed, String(result.format)).toHaveLength(placedCount);
        expect([...(result.shipped as string[])].sort(), String(result.format)).toEqual([...(result.placed as string[])].sort());
      }
    } finally {
      if (!groupGone(relay)) process.kill(-relay.pid!, 'SIGTERM');
      await waitFor(() => groupGone(relay), MINUTE, `the relay to stop:\n${relayOutput}`);
    }
    expect(relayOutput).toContain('"msg":"relay stopped"');
  }, 5 * MINUTE);

  it('work in a Jest test of that project, with no transform', async () => {
    const jest = await run(bin('jest'), ['--ci', '--config', 'cjs/jest.config.js'], { cwd: work.app, env: { ...process.env, DATABASE_URL: database.url } });
    expect(jest.output).toMatch(/Tests:\s+3 passed, 3 total/);
  }, 2 * MINUTE);
});
