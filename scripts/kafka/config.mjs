// How the broker JVM is configured: server.properties, logging, JVM flags,
// and the one-off storage format every new data dir needs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export const javaBin = () =>
  process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

export function serverProperties({ port, controllerPort, logDir, partitions, config }) {
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
    // After a SIGKILL the restarted broker cannot register until the old
    // incarnation's session expires (9 s by default); kill()+restart() is
    // what outage tests do, so expire it sooner. Heartbeats are loopback-only.
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 3000,
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
export const LOG4J2 = `status = error
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
`;

export function jvmArgs({ libs, dataDir, heap = '768m', jvmArgs = [] }) {
  return [
    '-Xms256m', `-Xmx${heap}`,
    '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(dataDir, 'log4j2.properties')}`,
    ...jvmArgs,
    '-cp', `${libs}/*`,
  ];
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
// random bytes in base64url; generating it here saves a JVM start. Like
// Kafka's own Uuid.randomUuid(), reject ids starting with '-', which the
// storage tool's argument parser would take for an option. The nodes of one
// cluster must share the id: scripts/kafka/cluster.mjs passes it.
export function newClusterId() {
  let clusterId;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  return clusterId;
}

export async function formatStorage(opts, propsFile, clusterId = newClusterId()) {
  await runJava('kafka-storage format', [
    ...jvmArgs(opts), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile,
  ]);
}
