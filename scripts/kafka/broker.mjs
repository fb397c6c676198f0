// Runs a single-node Kafka (KRaft, combined broker+controller) as a child
// process of the calling Node process, for tests and local demos.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnOrphanWatchdog } from '../lib/orphan-watchdog.mjs';
import { LOG4J2, formatStorage, javaBin, jvmArgs, serverProperties } from './config.mjs';
import { fetchKafka } from './fetch.mjs';
import { waitReady } from './ready.mjs';

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Ports are chosen by the OS; all listeners are held open together so the
// picks cannot collide with each other.
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

// ---- process-wide cleanup so no stray java survives a normal parent exit ----
const live = new Map(); // handle -> synchronous last-resort killer
let hooksInstalled = false;

function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => live.forEach((killSync) => killSync()));
  for (const signal of ['SIGINT', 'SIGTERM']) {
    const onSignal = async () => {
      await Promise.allSettled([...live.keys()].map((h) => h.stop()));
      // Re-raise only if nobody else listens: otherwise exiting is their call,
      // and re-raising would kill e.g. a test runner's graceful shutdown.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/**
 * Starts a fresh single-node Kafka. Options: port, controllerPort, dataDir,
 * keepData, partitions (default 3), config (extra server.properties),
 * readyTimeoutMs, heap, jvmArgs; clusterId and name for one node of a cluster
 * (scripts/kafka/cluster.mjs: config then carries node.id and the voters).
 */
export async function startKafka(options = {}) {
  const { libs, version } = await fetchKafka();
  const started = Date.now();
  const [port, controllerPort] =
    options.port && options.controllerPort ? [options.port, options.controllerPort]
      : options.port ? [options.port, (await freePorts(1))[0]]
        : await freePorts(2);
  const ownsDir = !options.dataDir;
  const dataDir = options.dataDir
    ? resolve(options.dataDir)
    : await mkdtemp(join(tmpdir(), 'outboxkit-kafka-'));
  const removeDir = ownsDir && !options.keepData;
  const logDir = join(dataDir, 'kraft-logs');
  const logFile = join(dataDir, 'broker.log');
  const propsFile = join(dataDir, 'server.properties');
  const brokers = `127.0.0.1:${port}`;
  const jvm = { libs, dataDir, heap: options.heap, jvmArgs: options.jvmArgs };

  await mkdir(dataDir, { recursive: true });
  await writeFile(propsFile, serverProperties({
    port, controllerPort, logDir, partitions: options.partitions ?? 3, config: options.config,
  }));
  await writeFile(join(dataDir, 'log4j2.properties'), LOG4J2);

  let proc = null; // { child, exited }
  let stopping = null;

  const launch = async () => {
    const out = openSync(logFile, 'a');
    const child = spawn(javaBin(), [...jvmArgs(jvm), 'kafka.Kafka', propsFile], {
      cwd: dataDir, stdio: ['ignore', out, out],
    });
    closeSync(out);
    const exited = new Promise((r) => {
      child.once('exit', (code, signal) => r({ code, signal }));
      child.once('error', (err) => r({ code: err.message, signal: null }));
    });
    // Forgetting stop() in a test must not hang the runner; the exit hook and
    // the watchdog still clean up.
    child.unref();
    proc = { child, exited };
    if (child.pid) {
      spawnOrphanWatchdog({
        name: 'outboxkit-kafka-watchdog', serverPid: child.pid, dir: removeDir ? dataDir : '', signal: 'TERM', graceSeconds: 20,
      });
    }
    try {
      await waitReady({ brokers, exited, logFile, timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS });
    } catch (err) {
      await terminate('SIGKILL');
      throw err;
    }
  };

  const running = () => proc && proc.child.exitCode === null && proc.child.signalCode === null;

  const terminate = async (signal) => {
    if (!running()) return;
    proc.child.kill(signal);
    // The escalation timer is cleared once java exits: a pending timer would keep the caller's
    // process (vitest's main process, the demo) alive for the full timeout.
    let timer;
    const timedOut = await Promise.race([
      proc.exited.then(() => false),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  };

  const handle = {
    external: false,
    version,
    brokers,
    port,
    controllerPort,
    dataDir,
    logFile,
    get pid() {
      return running() ? proc.child.pid : undefined;
    },
    /** SIGTERM (SIGKILL after 20 s), then remove the temp data dir unless keepData. */
    stop() {
      stopping ??= (async () => {
        await terminate('SIGTERM');
        live.delete(handle);
        if (removeDir) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
    /** Hard crash, for outage tests; restart() brings it back with the same data. */
    async kill() {
      await terminate('SIGKILL');
    },
    /** Graceful stop (if running), then start again on the same ports and data. */
    async restart() {
      if (stopping) throw new Error('Kafka handle was stopped; call startKafka() again');
      await terminate('SIGTERM');
      await launch();
    },
  };

  installExitHooks();
  live.set(handle, () => {
    if (running()) proc.child.kill('SIGKILL');
    if (removeDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const name = options.name ?? 'a broker';
  process.stderr.write(`[kafka] starting ${name} (Kafka ${version}, KRaft${options.name ? '' : ', one node'}) on ${brokers}, ~10-20 s …\n`);
  try {
    if (!existsSync(join(logDir, 'meta.properties'))) await formatStorage(jvm, propsFile, options.clusterId);
    await launch();
  } catch (err) {
    await handle.stop().catch(() => {});
    throw err;
  }
  process.stderr.write(
    `[kafka] Kafka ${version} ready at ${brokers} in ${((Date.now() - started) / 1000).toFixed(1)}s (log: ${logFile})\n`,
  );
  return handle;
}
