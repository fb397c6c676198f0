// Real Apache Kafka (KRaft, single node) for tests and demos, without Docker.
//
//   node scripts/kafka.mjs fetch   # cache the broker jars (Maven Central)
//   node scripts/kafka.mjs start   # prints KAFKA_BROKERS=127.0.0.1:PORT, runs until Ctrl-C
//   node scripts/kafka.mjs start --cluster 3  # a 3-node cluster (scripts/kafka/cluster.mjs:
//                                  # replication factor 3, min.insync.replicas 2); prints
//                                  # KAFKA_BROKERS=h:p,h:p,h:p; `stop --port` takes the first port
//   node scripts/kafka.mjs start --secure  # one broker with a SASL_SSL listener beside PLAINTEXT
//                                  # (scripts/kafka/secure.mjs); also prints KAFKA_SECURE_BROKERS,
//                                  # KAFKA_SSL_CA_FILE and the SCRAM/PLAIN user's credentials
//   node scripts/kafka.mjs stop [--port N]  # stops a broker started with `start` (the only one, or that port's)
//
// Programmatic use: `const kafka = await ensureKafka(); ... await kafka.stop()`;
// a cluster: `startKafkaCluster({ nodes: 3 })` (failover tests start their own).
// Set KAFKA_BROKERS to use an already running broker instead.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startKafka } from './kafka/broker.mjs';
import { startKafkaCluster } from './kafka/cluster.mjs';
import { startSecureKafka } from './kafka/secure.mjs';
import { cacheRoot, fetchKafka } from './kafka/fetch.mjs';

export { fetchKafka, startKafka, startKafkaCluster };

const uncontrollable = (what) => async () => {
  throw new Error(
    `cannot ${what} an external Kafka (KAFKA_BROKERS=${process.env.KAFKA_BROKERS}); ` +
      'unset KAFKA_BROKERS to let the tests run their own broker',
  );
};

/** The broker from KAFKA_BROKERS if set, otherwise a fresh local one. */
export async function ensureKafka(options = {}) {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    return {
      external: true,
      brokers: external,
      port: Number(external.split(',')[0].split(':').pop()),
      dataDir: undefined,
      pid: undefined,
      stop: async () => {},
      kill: uncontrollable('kill'),
      restart: uncontrollable('restart'),
    };
  }
  await fetchKafka();
  return startKafka(options);
}

// ---------------------------------------------------------------- CLI ----
// `start` records its pid so that `stop` (package.json kafka:stop) can end it
// from another terminal; the foreground process then shuts the broker down.
// One state file per broker, named by its port: several brokers can run at
// once (a shared one, a test's own), and each start and shutdown touches only
// its own file, so `stop` never ends the wrong one.
const cliStateDir = () => join(cacheRoot(), 'kafka-cli');
const cliStateFile = (port) => join(cliStateDir(), `${port}.json`);
// Where versions before per-port state kept the one state file; still read, never written.
const legacyStateFile = () => join(cacheRoot(), 'kafka-cli.json');

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function readState(file) {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8'));
    return Number.isInteger(state.pid) ? { ...state, file } : undefined;
  } catch (err) {
    if (err.code === 'ENOENT' || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** The brokers `start` runs now, by their state files; files of processes that are gone are removed. */
async function runningCliBrokers() {
  let names = [];
  try {
    names = readdirSync(cliStateDir()).filter((name) => name.endsWith('.json'));
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  const running = [];
  for (const state of [...names.map((name) => readState(join(cliStateDir(), name))), readState(legacyStateFile())]) {
    if (!state) continue;
    if (isAlive(state.pid)) running.push(state);
    else if (state.file !== legacyStateFile()) await rm(state.file, { force: true });
  }
  return running;
}

async function cliStart(args) {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'keep-data': { type: 'boolean' },
      partitions: { type: 'string' },
      cluster: { type: 'string' },
      secure: { type: 'boolean' },
    },
  });
  const kafka = values.secure ? await cliStartSecure(values) : values.cluster !== undefined ? await cliStartCluster(values) : await startKafka({
    port: values.port ? Number(values.port) : undefined,
    dataDir: values['data-dir'],
    keepData: values['keep-data'],
    partitions: values.partitions ? Number(values.partitions) : undefined,
  });
  const stateFile = cliStateFile(kafka.port);
  await mkdir(cliStateDir(), { recursive: true });
  await writeFile(stateFile, JSON.stringify({ pid: process.pid, port: kafka.port, brokers: kafka.brokers }));
  process.stdout.write(`KAFKA_BROKERS=${kafka.brokers}\n`);
  process.stderr.write(`[kafka] running; Ctrl-C (or \`node scripts/kafka.mjs stop --port ${kafka.port}\`) to stop\n`);

  const shutdown = async (code) => {
    await kafka.stop();
    await rm(stateFile, { force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  // The broker child is unref'ed, so this timer is what keeps us in the
  // foreground; it also notices a broker that died on its own.
  setInterval(() => {
    if ((kafka.nodes ?? [kafka]).some((node) => node.pid === undefined)) {
      process.stderr.write(`[kafka] broker exited unexpectedly, see ${kafka.logFile}\n`);
      shutdown(1);
    }
  }, 1000);
}

/** `start --cluster N`: N nodes on ports the OS picks; --port and --data-dir name one broker, so they are refused. */
async function cliStartCluster(values) {
  const nodes = Number(values.cluster);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error(`--cluster takes a node count from 1 to 9, got '${values.cluster}'`);
  if (values.port !== undefined || values['data-dir'] !== undefined) throw new Error('--cluster picks its own ports and data dirs; drop --port and --data-dir');
  const cluster = await startKafkaCluster({
    nodes,
    keepData: values['keep-data'],
    partitions: values.partitions ? Number(values.partitions) : undefined,
  });
  return { ...cluster, logFile: cluster.nodes.map((n) => n.logFile).join(', ') };
}

/** `start --secure`: a broker with a SASL_SSL listener; prints how a client reaches it (a throw-away test password). */
async function cliStartSecure(values) {
  if (values.cluster !== undefined || values.port !== undefined || values['data-dir'] !== undefined || values['keep-data']) {
    throw new Error('--secure picks its own ports, data dir and certificates; drop --cluster, --port, --data-dir and --keep-data');
  }
  const kafka = await startSecureKafka({ partitions: values.partitions ? Number(values.partitions) : undefined });
  const [user] = kafka.users;
  process.stdout.write(
    `KAFKA_SECURE_BROKERS=${kafka.secureBrokers}\nKAFKA_SSL_CA_FILE=${kafka.caFile}\n` +
      `KAFKA_SASL_USERNAME=${user.name}\nKAFKA_SASL_PASSWORD=${user.password}\n` +
      (kafka.mtlsBrokers
        ? `KAFKA_MTLS_BROKERS=${kafka.mtlsBrokers}\nKAFKA_SSL_CERT_FILE=${kafka.clientCertFile}\nKAFKA_SSL_KEY_FILE=${kafka.clientKeyFile}\n`
        : ''),
  );
  return kafka;
}

/** Stops the broker of `--port`, or the only one running; refuses to pick one of several. Resolves with the exit code. */
async function cliStop(args) {
  const { values } = parseArgs({ args, options: { port: { type: 'string' } } });
  const running = await runningCliBrokers();
  const list = () => running.map((s) => `  ${s.brokers} (pid ${s.pid})`).join('\n');
  let state;
  if (values.port !== undefined) {
    state = running.find((s) => String(s.port ?? String(s.brokers).split(':').pop()) === values.port);
    if (!state) {
      process.stderr.write(
        `[kafka] no broker started with \`kafka.mjs start\` listens on port ${values.port}` +
          (running.length ? `; running:\n${list()}\n` : '; none is running\n'),
      );
      return 1;
    }
  } else if (running.length === 0) {
    process.stderr.write('[kafka] nothing to stop: no broker started with `kafka.mjs start` is running\n');
    return 0;
  } else if (running.length > 1) {
    process.stderr.write(`[kafka] ${running.length} brokers are running; say which with --port:\n${list()}\n`);
    return 2;
  } else {
    state = running[0];
  }
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
    process.stderr.write(`[kafka] process ${state.pid} is already gone\n`);
    if (state.file !== legacyStateFile()) await rm(state.file, { force: true });
    return 0;
  }
  // Its own shutdown stops the broker and removes its state file.
  for (let i = 0; i < 300; i++) {
    if (!isAlive(state.pid)) {
      process.stderr.write(`[kafka] stopped ${state.brokers}\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`process ${state.pid} did not exit within 30s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command, ...rest] = process.argv.slice(2);
  const commands = {
    fetch: () => fetchKafka(),
    start: () => cliStart(rest),
    stop: async () => {
      process.exitCode = await cliStop(rest);
    },
  };
  if (!commands[command]) {
    process.stderr.write('usage: node scripts/kafka.mjs fetch | start [--port N] [--data-dir DIR] [--keep-data] [--partitions N] | start --cluster NODES [--keep-data] [--partitions N] | start --secure [--partitions N] | stop [--port N]\n');
    process.exit(2);
  }
  commands[command]().catch((err) => {
    process.stderr.write(`[kafka] ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
