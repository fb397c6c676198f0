// Runs a single-node Kafka (KRaft, combined broker+controller) as a child
// process of the calling Node process, for tests and local demos.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fetchKafka } from './fetch.mjs';

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const javaBin = () => (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java');

// Ports are chosen by the OS; both listeners are held open together so the
// two picks cannot collide with each other.
async function freePorts(count) {
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

function serverProperties({ port, controllerPort, logDir, partitions, config }) {
  const props = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    // A static voter set (rather than controller.quorum.bootstrap.servers +
    // `format --standalone`) keeps the controller endpoint out of the on-disk
    // metadata, so a kept data dir can be restarted on different ports.
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': partitions,
    'auto.create.topics.enable': true,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    // Internal topics default to RF 3, which a single node can never satisfy.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // One partition per internal topic instead of 50: the first consumer group
    // join and the first idempotent producer no longer wait for 50 logs.
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.num.partitions': 1,
    // Tests should not sit out the 3 s default before the first rebalance.
    'group.initial.rebalance.delay.ms': 0,
    // Sized for a 2-core CI box; the 128 MiB default cleaner buffer is waste here.
    'num.network.threads': 2,
    'num.io.threads': 4,
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
    ...config,
  };
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

// Broker logs go to stdout, which is redirected into <dataDir>/broker.log, so
// JVM crashes and log4j output end up in the same file.
const LOG4J2 = `status = error
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
`;

function jvmArgs({ libs, dataDir, heap = '768m', jvmArgs = [] }) {
  return [
    '-Xms256m', `-Xmx${heap}`,
    '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(dataDir, 'log4j2.properties')}`,
    ...jvmArgs,
    '-cp', `${libs}/*`,
  ];
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no broker log)';
  }
}

function brokerError(message, logFile) {
  return new Error(`Kafka ${message}\n--- last lines of ${logFile} ---\n${tail(logFile)}`);
}

function runJava(what, args) {
  return new Promise((ok, fail) => {
    const child = spawn(javaBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => fail(new Error(`cannot run java (need Java 17+): ${err.message}`)));
    child.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`${what} failed (exit ${code}):\n${out}`))));
  });
}

// Kafka needs a formatted log dir carrying the cluster id. A Kafka Uuid is 16
// random bytes in base64url; generating it here saves a JVM start.
async function formatStorage(opts, propsFile) {
  const clusterId = randomBytes(16).toString('base64url');
  await runJava('kafka-storage format', [
    ...jvmArgs(opts), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile,
  ]);
}

// The broker must not outlive its parent, even if the parent is SIGKILLed and
// never runs its exit hooks. This detached shell polls the parent pid and then
// stops java and removes the temp data dir. It exits on its own once java is
// gone, so a restart simply spawns a new one.
const WATCHDOG = `
parent=$1 broker=$2 dir=$3
while kill -0 "$parent" 2>/dev/null; do
  kill -0 "$broker" 2>/dev/null || exit 0
  sleep 1
done
kill -TERM "$broker" 2>/dev/null
i=0
while kill -0 "$broker" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.5; i=$((i+1)); done
kill -KILL "$broker" 2>/dev/null
[ -n "$dir" ] && rm -rf "$dir"
exit 0
`;

// Ready means a real client can talk to it: kafkajs connects, reads metadata,
// and every existing partition has a leader again (matters after restart()).
async function waitReady({ brokers, exited, logFile, timeoutMs }) {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  let died = null;
  exited.then((e) => (died = e));
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    if (died) throw brokerError(`exited (${died.signal ?? died.code}) before it became ready`, logFile);
    const admin = new Kafka({
      clientId: 'outboxkit-kafka-probe', brokers: [brokers], logLevel: logLevel.NOTHING,
      connectionTimeout: 1000, requestTimeout: 5000, retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata();
      const leaderless = topics.filter((t) => t.partitions.some((p) => p.leader < 0));
      if (leaderless.length === 0) return;
      lastError = `no leader yet for ${leaderless.map((t) => t.name).join(', ')}`;
    } catch (err) {
      lastError = err.message;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await sleep(250);
  }
  throw brokerError(`not ready after ${timeoutMs / 1000}s (last probe error: ${lastError})`, logFile);
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
 * readyTimeoutMs, heap, jvmArgs.
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
      spawn('/bin/sh', ['-c', WATCHDOG, 'outboxkit-kafka-watchdog',
        String(process.pid), String(child.pid), removeDir ? dataDir : ''],
      { detached: true, stdio: 'ignore' }).unref();
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
    const timedOut = await Promise.race([proc.exited.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
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

  try {
    if (!existsSync(join(logDir, 'meta.properties'))) await formatStorage(jvm, propsFile);
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
