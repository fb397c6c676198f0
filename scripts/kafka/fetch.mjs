// Resolves a runnable Kafka broker classpath from Maven Central into a cache
// outside the repo. Maven Central is the only artifact source reachable in our
// dev/CI machines (no Docker, no downloads.apache.org), so instead of the
// release tarball we let Maven copy kafka_2.13 and its runtime dependencies.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const POM = join(dirname(fileURLToPath(import.meta.url)), 'pom.xml');
const MARKER = '.outboxkit-complete';
const log = (msg) => process.stderr.write(`[kafka] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The pom is the single source of truth for the version (log4j must match it). */
export function kafkaVersion() {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!m) throw new Error(`kafka.version not found in ${POM}`);
  return m[1].trim();
}

export function cacheRoot() {
  if (process.env.OUTBOXKIT_CACHE_DIR) return process.env.OUTBOXKIT_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'outboxkit');
}

export function kafkaHome() {
  return join(cacheRoot(), `kafka-${kafkaVersion()}`);
}

// Editing the pom (e.g. the log4j binding) must invalidate the cache even when
// the Kafka version, and therefore the directory name, stays the same.
function pomHash() {
  return createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 16);
}

async function isComplete(libs) {
  try {
    return (await readFile(join(libs, MARKER), 'utf8')).trim() === pomHash();
  } catch {
    return false;
  }
}

// The holder died (crashed or SIGKILLed mid-fetch) if its pid is gone; a lock
// without a pid file for a while means it died between mkdir and writeFile.
async function isStale(lockDir) {
  const pid = Number(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => ''));
  if (pid > 0) {
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return err.code === 'ESRCH';
    }
  }
  const age = await stat(lockDir).then((s) => Date.now() - s.mtimeMs, () => 0);
  return age > 30_000;
}

// mkdir is atomic, so it doubles as a cross-process mutex. Two parallel fetches
// (e.g. vitest workers) would otherwise race on ~/.m2, which Maven 3.8 does not lock.
async function withLock(lockDir, fn) {
  for (let waited = 0; ; waited += 500) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (await isStale(lockDir)) {
        log(`removing stale lock ${lockDir}`);
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (waited % 10_000 === 0) log('another process is fetching Kafka, waiting...');
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    // Output is buffered and only shown on failure: even with -q -B, Maven
    // 3.8 prints stray ANSI resets, and our stdout is reserved for
    // machine-readable lines such as KAFKA_BROKERS=...
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) =>
      reject(new Error(`cannot run ${cmd} (is Maven installed?): ${err.message}`)),
    );
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      const clean = out.replace(/\x1b\[[0-9;]*m/g, '').trim();
      reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? code}):\n${clean}`));
    });
  });
}

/** Ensures the broker jars are cached; returns { version, home, libs }. */
export async function fetchKafka() {
  const version = kafkaVersion();
  const home = kafkaHome();
  const libs = join(home, 'libs');
  if (await isComplete(libs)) return { version, home, libs };

  await mkdir(home, { recursive: true });
  return withLock(join(home, '.lock'), async () => {
    if (await isComplete(libs)) return { version, home, libs }; // another process won
    const started = Date.now();
    log(`fetching Kafka ${version} from Maven Central with Maven (first run only, ~1 min) into ${libs} …`);
    // Copy into a private temp dir and rename at the end so `libs` is never
    // observed half-populated, even if this process is killed mid-copy.
    const tmp = join(home, `libs.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await run('mvn', [
        '-q', '-B', '-f', POM, 'dependency:copy-dependencies',
        `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime',
      ]);
      await writeFile(join(tmp, MARKER), `${pomHash()}\n`);
      await rm(libs, { recursive: true, force: true }); // outdated pom hash
      await rename(tmp, libs);
    } finally {
      if (existsSync(tmp)) await rm(tmp, { recursive: true, force: true });
    }
    log(`fetched Kafka ${version} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return { version, home, libs };
  });
}
