// Real Apache Kafka (KRaft, single node) for tests and demos, without Docker.
//
//   node scripts/kafka.mjs fetch   # cache the broker jars (Maven Central)
//   node scripts/kafka.mjs start   # prints KAFKA_BROKERS=127.0.0.1:PORT, runs until Ctrl-C
//   node scripts/kafka.mjs stop    # stops a broker started with `start`
//
// Programmatic use: `const kafka = await ensureKafka(); ... await kafka.stop()`.
// Set KAFKA_BROKERS to use an already running broker instead.
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startKafka } from './kafka/broker.mjs';
import { cacheRoot, fetchKafka } from './kafka/fetch.mjs';

export { fetchKafka, startKafka };

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
const cliStateFile = () => join(cacheRoot(), 'kafka-cli.json');

async function cliStart(args) {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'keep-data': { type: 'boolean' },
      partitions: { type: 'string' },
    },
  });
  const kafka = await startKafka({
    port: values.port ? Number(values.port) : undefined,
    dataDir: values['data-dir'],
    keepData: values['keep-data'],
    partitions: values.partitions ? Number(values.partitions) : undefined,
  });
  await mkdir(cacheRoot(), { recursive: true });
  await writeFile(cliStateFile(), JSON.stringify({ pid: process.pid, brokers: kafka.brokers }));
  process.stdout.write(`KAFKA_BROKERS=${kafka.brokers}\n`);
  process.stderr.write('[kafka] running; Ctrl-C (or `node scripts/kafka.mjs stop`) to stop\n');

  const shutdown = async (code) => {
    await kafka.stop();
    await rm(cliStateFile(), { force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  // The broker child is unref'ed, so this timer is what keeps us in the
  // foreground; it also notices a broker that died on its own.
  setInterval(() => {
    if (kafka.pid === undefined) {
      process.stderr.write(`[kafka] broker exited unexpectedly, see ${kafka.logFile}\n`);
      shutdown(1);
    }
  }, 1000);
}

async function cliStop() {
  let state;
  try {
    state = JSON.parse(readFileSync(cliStateFile(), 'utf8'));
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    process.stderr.write(`[kafka] nothing to stop: no ${cliStateFile()} from \`kafka.mjs start\`\n`);
    return;
  }
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
    process.stderr.write(`[kafka] process ${state.pid} is already gone\n`);
    await rm(cliStateFile(), { force: true });
    return;
  }
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(state.pid, 0);
    } catch {
      process.stderr.write(`[kafka] stopped ${state.brokers}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`process ${state.pid} did not exit within 30s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command, ...rest] = process.argv.slice(2);
  const commands = { fetch: () => fetchKafka(), start: () => cliStart(rest), stop: cliStop };
  if (!commands[command]) {
    process.stderr.write('usage: node scripts/kafka.mjs fetch | start [--port N] [--data-dir DIR] [--keep-data] [--partitions N] | stop\n');
    process.exit(2);
  }
  commands[command]().catch((err) => {
    process.stderr.write(`[kafka] ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
