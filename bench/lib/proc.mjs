// Child processes of the benchmark: every worker runs in its own process (as a sidecar relay or
// an application would), talks JSON lines on stdout, and is tracked here so that nothing is left
// behind — on success, on failure, on Ctrl-C.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(BENCH_DIR, '..');
// .ts workers run as `node --import tsx file.ts`: one process (the tsx CLI would put a second
// node process under it, which a SIGKILL of the first would orphan).
const TSX_LOADER = import.meta.resolve('tsx');

const live = new Set();

function killAllSync() {
  for (const worker of live) {
    try {
      worker.child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAllSync);

/** Stops every worker still running (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopAllWorkers(graceMs = 10_000) {
  await Promise.all([...live].map((w) => w.stop(graceMs)));
}

/**
 * Starts a worker. `file` is relative to bench/; .ts files run through tsx. `env` is added to the
 * environment. Resolves immediately with a handle:
 *   handle.next(event, timeoutMs)  → the first JSON line with that `event` (waits for it)
 *   handle.stop(graceMs)           → SIGTERM, SIGKILL after graceMs; resolves on exit
 *   handle.exited                  → resolves with { code, signal }
 */
export function startWorker(name, file, env = {}, { nodeArgs = [] } = {}) {
  const script = path.join(BENCH_DIR, file);
  const isTs = file.endsWith('.ts');
  const args = [...(isTs ? ['--import', TSX_LOADER] : []), ...nodeArgs, script];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const waiters = [];
  let stderr = '';
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let parsed;
      try {
        parsed = JSON.parse(line);
      } catch {
        if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${line}\n`);
        continue;
      }
      lines.push(parsed);
      for (const w of [...waiters]) w.check(parsed);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(handle);
      for (const w of [...waiters]) w.fail(new Error(`${name} exited (${code ?? signal}) before "${w.event}":\n${stderr.slice(-4_000)}`));
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      live.delete(handle);
      for (const w of [...waiters]) w.fail(error);
      resolve({ code: null, signal: null, error });
    });
  });

  const handle = {
    name,
    child,
    lines,
    exited,
    get stderr() {
      return stderr;
    },
    next(event, timeoutMs = 60_000) {
      const found = lines.find((l) => l.event === event);
      if (found) return Promise.resolve(found);
      if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.reject(new Error(`${name} already exited (${child.exitCode ?? child.signalCode}) before "${event}":\n${stderr.slice(-4_000)}`));
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          event,
          check: (line) => {
            if (line.event === 'error') return done(new Error(`${name} failed: ${line.message}\n${line.stack ?? ''}`));
            if (line.event === event) done(null, line);
          },
          fail: (error) => done(error),
        };
        const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${name} to report "${event}"\n${stderr.slice(-4_000)}`)), timeoutMs);
        function done(error, line) {
          clearTimeout(timer);
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          if (error) reject(error);
          else resolve(line);
        }
        waiters.push(waiter);
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  live.add(handle);
  return handle;
}

/** Runs a worker to completion: resolves with its `result` line, or rejects (and kills it) after timeoutMs. */
export async function runWorker(name, file, env, timeoutMs, options) {
  const worker = startWorker(name, file, env, options);
  try {
    const result = await worker.next('result', timeoutMs);
    // Workers exit by themselves after their result (a CPU profile is written on that exit).
    let timer;
    await Promise.race([worker.exited, new Promise((resolve) => (timer = setTimeout(resolve, 20_000)))]);
    clearTimeout(timer);
    await worker.stop(5_000);
    return result;
  } catch (error) {
    await worker.stop(2_000);
    throw error;
  }
}
