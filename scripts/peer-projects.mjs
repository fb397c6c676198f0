// The peer versions outboxkit is tested with besides the workspace's own (Prisma 7, NestJS 12):
// one small npm project per entry, installed from the npm registry into the repository's .cache/
// (ignored by git) under a name keyed by its exact versions. The first test run on a machine
// installs them (about a minute for all three with an empty npm cache, in parallel); later runs
// find them and install nothing. Changing a version here makes a new directory; older ones are
// removed when a new one is installed.
//
// Used by vitest.config.ts (the nest10 / nest11 projects alias @nestjs/* to these installs), by
// test/peers/global-setup.ts (which installs them) and by test/integration/peers/prisma6.test.ts.
// The peer ranges in packages/*/package.json say exactly these majors plus the workspace's
// (test/integration/peers/peer-ranges.test.ts checks that).
//
// CLI: node scripts/peer-projects.mjs [name …]   installs the named (default: all) and prints their paths.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PEER_CACHE = path.join(REPO_ROOT, '.cache', 'peers');
/** Written last: a directory without it is an install that was interrupted. */
const COMPLETE = '.outboxkit-peer-complete';

/**
 * Exact versions (no ranges), so that a directory's name says what is in it. Each major at the
 * newest release of its line when it was added here.
 */
export const PEER_PROJECTS = {
  // Prisma 6 as it runs without native engines: the TypeScript query compiler
  // (generator `engineType = "client"`) over the pg driver adapter.
  prisma6: {
    prisma: '6.19.3',
    '@prisma/client': '6.19.3',
    '@prisma/adapter-pg': '6.19.3',
  },
  nest10: {
    '@nestjs/common': '10.4.9',
    '@nestjs/core': '10.4.9',
    '@nestjs/platform-express': '10.4.9',
    '@nestjs/swagger': '7.4.2',
    'reflect-metadata': '0.2.2',
    rxjs: '7.8.2',
  },
  nest11: {
    '@nestjs/common': '11.2.12',
    '@nestjs/core': '11.2.12',
    '@nestjs/platform-express': '11.2.12',
    '@nestjs/swagger': '11.4.8',
    'reflect-metadata': '0.2.2',
    rxjs: '7.8.2',
  },
};

function definition(name) {
  const dependencies = PEER_PROJECTS[name];
  if (!dependencies) throw new Error(`unknown peer project "${name}" (known: ${Object.keys(PEER_PROJECTS).join(', ')})`);
  return dependencies;
}

/** Where the project `name` is (or will be) installed: .cache/peers/<name>-<hash of its versions>. */
export function peerProjectDir(name) {
  const digest = createHash('sha256').update(JSON.stringify(definition(name))).digest('hex').slice(0, 12);
  return path.join(PEER_CACHE, `${name}-${digest}`);
}

/** The node_modules folder of the project `name`, for aliases and createRequire. */
export function peerModules(name) {
  return path.join(peerProjectDir(name), 'node_modules');
}

function npmInstall(cwd) {
  return new Promise((resolve, reject) => {
    // Install scripts skipped: Prisma's would try to download engines, which this project never needs.
    const args = ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
    const child = spawn('npm', args, {
      cwd,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`npm ${args.join(' ')} in ${cwd} failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

/**
 * Installs the project `name` unless it is already there; resolves to its directory. Safe to call
 * from several processes at once: each installs into a directory of its own and renames it into
 * place; a process that loses the race throws its copy away.
 */
export async function ensurePeerProject(name, { log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const dir = peerProjectDir(name);
  if (existsSync(path.join(dir, COMPLETE))) return dir;
  await mkdir(PEER_CACHE, { recursive: true });
  const staging = await mkdtemp(path.join(PEER_CACHE, `.staging-${name}-`));
  const started = Date.now();
  log(`[peers] installing ${name} (${Object.entries(definition(name)).map(([pkg, version]) => `${pkg}@${version}`).join(', ')}) from npm into ${path.relative(REPO_ROOT, dir)} …`);
  try {
    const manifest = { name: `outboxkit-peer-${name}`, private: true, description: 'Installed by scripts/peer-projects.mjs for the peer-version tests.', dependencies: definition(name) };
    await writeFile(path.join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await npmInstall(staging);
    await writeFile(path.join(staging, COMPLETE), `${new Date().toISOString()}\n`);
    await rm(dir, { recursive: true, force: true }); // an interrupted install of the same versions
    try {
      await rename(staging, dir);
    } catch (err) {
      if (!existsSync(path.join(dir, COMPLETE))) throw err;
      // Another process finished first: use its copy.
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  log(`[peers] ${name} installed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  await removeSuperseded(name);
  return dir;
}

/** A staging copy this old belongs to an install that was killed: no npm install takes an hour. */
const ABANDONED_MS = 60 * 60_000;

/** Installs of `name` for versions no longer listed here, and staging copies of killed installs. */
async function removeSuperseded(name) {
  const keep = path.basename(peerProjectDir(name));
  for (const entry of readdirSync(PEER_CACHE)) {
    const full = path.join(PEER_CACHE, entry);
    const superseded = entry !== keep && entry.startsWith(`${name}-`);
    const abandoned = entry.startsWith('.staging-') && Date.now() - statSync(full).mtimeMs > ABANDONED_MS;
    if (superseded || abandoned) await rm(full, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  for (const name of names.length ? names : Object.keys(PEER_PROJECTS)) {
    process.stdout.write(`${await ensurePeerProject(name)}\n`);
  }
}
