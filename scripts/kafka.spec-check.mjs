// Temporary verification script (deleted afterwards).
import kafkajs from 'kafkajs';
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startKafka } from './kafka.mjs';
const { Kafka, logLevel } = kafkajs;

const t0 = Date.now();
const broker = await startKafka();
console.log('ready', broker.brokers, 'pid', broker.pid, 'in', Date.now() - t0, 'ms');

const kafka = new Kafka({ clientId: 'check', brokers: [broker.brokers], logLevel: logLevel.WARN });
const admin = kafka.admin();
await admin.connect();
console.log('createTopics ->', await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }], waitForLeaders: true }));
console.log('cluster', JSON.stringify(await admin.describeCluster()));

const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const res = await producer.send({
  topic: 'orders', acks: -1,
  messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}`, headers: { 'x-id': `id-${i}`, trace: Buffer.from([i]) } })),
});
console.log('produced', JSON.stringify(res));

async function consumeAll(groupId, expected) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const got = [];
  const tj = Date.now();
  await new Promise((resolve, reject) => {
    const to = setTimeout(() => reject(new Error(`timeout, got ${got.length}`)), 30000);
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        got.push({ p: partition, o: message.offset, k: message.key.toString(), v: message.value.toString(), h: message.headers['x-id'].toString(), t: message.headers.trace[0] });
        await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
        if (got.length === expected) { clearTimeout(to); resolve(); }
      },
    }).catch(reject);
  });
  console.log(`group ${groupId}: ${got.length} msgs in ${Date.now() - tj}ms`, JSON.stringify(got.slice(0, 3)));
  await consumer.disconnect();
  const offs = await admin.fetchOffsets({ groupId, topics: ['orders'] });
  console.log('committed', JSON.stringify(offs));
  return got;
}
await consumeAll('g1', 10);

// outage: SIGKILL then restart on same port + data
const tk = Date.now();
await broker.kill();
console.log('killed; pid now', broker.pid, 'port', broker.port);
await broker.restart();
console.log('restarted in', Date.now() - tk, 'ms; pid', broker.pid, 'same port', broker.brokers);
// old clients should recover
await producer.send({ topic: 'orders', acks: -1, messages: [{ key: 'after', value: 'after-restart', headers: { 'x-id': 'id-after', trace: Buffer.from([99]) } }] });
console.log('producer recovered after restart');
const got2 = await consumeAll('g2', 11);
console.log('g2 values', got2.map((m) => m.v).sort().join(','));
// g1 resumes from committed offsets => only the new message
await consumeAll('g1', 1);

const tr = Date.now();
await broker.restart();
console.log('graceful restart in', Date.now() - tr, 'ms');
await consumeAll('g3', 11);

await producer.disconnect();
await admin.disconnect();
const ts = Date.now();
await broker.stop();
console.log('stopped in', Date.now() - ts, 'ms; dataDir exists?', existsSync(broker.dataDir));
await new Promise((r) => setTimeout(r, 1500));
console.log('pgrep:', JSON.stringify(execSync('pgrep -af "kafka.Kafka|outboxkit-kafka-watchdog" || true').toString()));
