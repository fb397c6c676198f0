// Decides when a freshly (re)started broker is usable, using kafkajs from the
// root node_modules.
import { readFileSync } from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no broker log)';
  }
}

export function brokerError(message, logFile) {
  return new Error(`Kafka ${message}\n--- last lines of ${logFile} ---\n${tail(logFile)}`);
}

// Ready means what a test needs right away works, checked with kafkajs (the
// client the project uses): metadata answers and every partition has a
// leader again (after restart()), the group coordinator has loaded
// __consumer_offsets, and idempotent producers get a producer id. Without the
// last two, the first consumer/producer of a test logs "coordinator is
// loading" errors and only succeeds through client retries.
async function probe(kafka) {
  const admin = kafka.admin();
  // kafkajs refuses an idempotent producer without retries.
  const producer = kafka.producer({
    idempotent: true, maxInFlightRequests: 1,
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 200 },
  });
  try {
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata();
    const leaderless = topics.filter((t) => t.partitions.some((p) => p.leader < 0));
    if (leaderless.length) throw new Error(`no leader yet for ${leaderless.map((t) => t.name)}`);
    await admin.describeGroups(['outboxkit-kafka-probe']);
    await producer.connect();
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

export async function waitReady({ brokers, exited, logFile, timeoutMs }) {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const kafka = new Kafka({
    clientId: 'outboxkit-kafka-probe', brokers: [brokers], logLevel: logLevel.NOTHING,
    connectionTimeout: 1000, requestTimeout: 5000, retry: { retries: 0 },
  });
  let died = null;
  exited.then((e) => (died = e));
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    if (died) throw brokerError(`exited (${died.signal ?? died.code}) before it became ready`, logFile);
    try {
      return await probe(kafka);
    } catch (err) {
      lastError = err.message;
    }
    await sleep(200);
  }
  throw brokerError(`not ready after ${timeoutMs / 1000}s (last probe error: ${lastError})`, logFile);
}
