// `npm run demo`: the Express order service, the relay as its own process and the inventory
// consumer, on a real PostgreSQL (in a database of its own, created for the run and dropped at
// the end: see openDemoDatabase) and a real Kafka broker. Places orders over HTTP (some made to
// fail and roll back), replays a few records to show the inbox skipping redeliveries, checks the
// outcome against the database and the topic, stops everything it started, and prints one JSON
// object with the counts as its last line. Exits non-zero if any invariant does not hold.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { createOwnedDatabase, dropAbandonedDatabases } from './postgres.mjs';
import { applyMigrations } from './migrate.mjs';
import { ensureKafka } from './kafka.mjs';
import { createTopic, topicOffsets } from './kafka/create-topic.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = path.join(ROOT, 'examples', 'express-orders');
const TSX = path.join(EXAMPLE, 'node_modules', '.bin', 'tsx');
const RELAY_BIN = path.join(ROOT, 'packages', 'kafka-relay', 'bin', 'outbox-relay.js');
const ORDER_COUNT = Number(process.env.DEMO_ORDERS ?? 120);
const FAIL_EVERY = 6;
const REPLAYED = 10;
const SKUS = ['sku-apple', 'sku-pear', 'sku-plum', 'sku-fig', 'sku-kiwi'];
const INITIAL_STOCK = 1_000_000;

const log = (message) => process.stderr.write(`[demo] ${message}\n`);
const children = [];

/** Starts a child process and resolves on the first stdout JSON line with the wanted event. */
function startChild(name, command, args, env, readyEvent) {
  const child = spawn(command, args, { cwd: EXAMPLE, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { child, name, lines: [], stderr: '' };
  children.push(state);
  child.stderr.on('data', (chunk) => {
    state.stderr += chunk;
    if (process.env.DEMO_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
  });
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        state.lines.push(JSON.parse(line));
      } catch {
        /* not one of ours */
      }
    }
  });
  state.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  state.ready = waitUntil(
    () => (readyEvent === null ? true : state.lines.find((l) => l.event === readyEvent)),
    60_000,
    `${name} to start`,
    () => child.exitCode !== null && `${name} exited early:\n${state.stderr.slice(-3000)}`,
  );
  return state;
}

async function waitUntil(check, timeoutMs, what, failFast = () => false) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    const failure = failFast();
    if (failure) throw new Error(failure);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function stopChild(state) {
  if (state.child.exitCode !== null || state.child.signalCode !== null) return state.exited;
  state.child.kill('SIGTERM');
  const timer = setTimeout(() => state.child.kill('SIGKILL'), 15_000);
  const result = await state.exited;
  clearTimeout(timer);
  return result;
}

async function placeOrders(baseUrl) {
  const committed = [];
  const rolledBack = [];
  let next = 0;
  async function worker() {
    while (next < ORDER_COUNT) {
      const n = next++;
      const body = { customer: `customer-${n}`, sku: SKUS[n % SKUS.length], quantity: 1 + (n % 3), failAfterWrite: n % FAIL_EVERY === FAIL_EVERY - 1 };
      const response = await fetch(`${baseUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = await response.json();
      if (response.status === 201) committed.push({ ...json, ...body });
      else if (response.status === 422 && json.rolledBack) rolledBack.push(json.orderId);
      else throw new Error(`unexpected response ${response.status}: ${JSON.stringify(json)}`);
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker));
  return { committed, rolledBack };
}

async function readWholeTopic(kafka, brokers, topic) {
  const offsets = await topicOffsets({ brokers, topic });
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const consumer = kafka.consumer({ groupId: `demo-reader-${randomBytes(4).toString('hex')}` });
  const records = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void records.push(message) });
  await waitUntil(() => records.length >= total, 60_000, `reading ${total} records back`);
  await consumer.disconnect();
  return records;
}

const DATABASE_PREFIX = 'outboxkit_demo';

/**
 * The demo's database: a new one per run, `outboxkit_demo_<random>`, marked as the demo's, so the
 * demo never drops a database it did not create, whatever server DATABASE_URL names. Databases
 * of earlier runs on this host that were killed before dropping theirs are dropped first.
 */
export async function openDemoDatabase() {
  const abandoned = await dropAbandonedDatabases(DATABASE_PREFIX);
  if (abandoned.length > 0) log(`dropped ${abandoned.length} database(s) left by earlier demo runs that were killed: ${abandoned.join(', ')}`);
  return createOwnedDatabase(DATABASE_PREFIX);
}

async function main() {
  const database = await openDemoDatabase();
  log(`database ${database.name} created for this run (dropped at the end; the demo drops no database it did not create)`);
  try {
    return await runDemo(database);
  } finally {
    await database.drop().catch((error) => log(`could not drop database ${database.name}: ${error.message}`));
  }
}

async function runDemo(database) {
  const databaseUrl = database.url;
  await applyMigrations(databaseUrl);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query('INSERT INTO stock_items (sku, available) SELECT unnest($1::text[]), $2', [SKUS, INITIAL_STOCK]);
  log(`database ${database.name} migrated and seeded`);

  const kafkaServer = await ensureKafka();
  const topic = kafkaServer.external ? `orders.created.${randomBytes(4).toString('hex')}` : 'orders.created';
  const kafka = new Kafka({ clientId: 'demo', brokers: kafkaServer.brokers.split(','), logLevel: logLevel.NOTHING });
  try {
    await createTopic({ brokers: kafkaServer.brokers, topic, partitions: 3 });

    const env = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: kafkaServer.brokers, ORDERS_TOPIC: topic };
    const relay = startChild('relay', process.execPath, [RELAY_BIN], { ...env, OUTBOX_LOG_LEVEL: 'warn' }, null);
    const server = startChild('server', TSX, ['src/server.ts'], { ...env, PORT: '0' }, 'listening');
    const consumer = startChild('consumer', TSX, ['src/inventory-consumer.ts'], env, 'consuming');
    await Promise.all([relay.ready, server.ready, consumer.ready]);
    const port = server.lines.find((l) => l.event === 'listening').port;
    log(`service on :${port}, relay pid ${relay.child.pid}, consumer pid ${consumer.child.pid}, topic ${topic}`);

    const { committed, rolledBack } = await placeOrders(`http://127.0.0.1:${port}`);
    log(`${committed.length} orders committed, ${rolledBack.length} rolled back`);

    const countPublished = async () =>
      Number((await db.query(`SELECT count(*) FROM outbox_message WHERE topic = $1 AND status = 'PUBLISHED'`, [topic])).rows[0].count);
    const stats = () => [...consumer.lines].reverse().find((l) => l.event === 'stats') ?? { processed: 0, duplicates: 0 };
    await waitUntil(async () => (await countPublished()) >= committed.length, 60_000, 'the relay to publish every order');
    await waitUntil(() => stats().processed >= committed.length, 60_000, 'the consumer to handle every order');

    // Redeliveries: the first records again, byte for byte, as Kafka would after a consumer crash.
    log(
      `re-sending the first ${REPLAYED} records on purpose, byte for byte, as Kafka redelivers after a consumer crash ` +
        'or a rebalance: the inbox must recognise each by its message id and skip it (duplicatesSkipped below)',
    );
    const firstRecords = (await readWholeTopic(kafka, kafkaServer.brokers, topic)).slice(0, REPLAYED);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: firstRecords.map(({ key, value, headers }) => ({ key, value, headers })) });
    await producer.disconnect();
    await waitUntil(() => stats().duplicates >= REPLAYED, 60_000, 'the consumer to skip the redelivered records');

    const records = await readWholeTopic(kafka, kafkaServer.brokers, topic);
    const ids = new Set(records.map((r) => r.headers['outboxkit-message-id'].toString()));
    const rolledBackIds = new Set(rolledBack);
    const rolledBackOnKafka = records.filter((r) => rolledBackIds.has(JSON.parse(r.value.toString()).orderId)).length;
    const expectedStock = Object.fromEntries(SKUS.map((s) => [s, INITIAL_STOCK]));
    for (const order of committed) expectedStock[order.sku] -= order.quantity;
    const stock = Object.fromEntries((await db.query('SELECT sku, available FROM stock_items')).rows.map((r) => [r.sku, r.available]));
    const stockMatches = SKUS.every((s) => stock[s] === expectedStock[s]);
    const published = await countPublished();

    await stopChild(server);
    await stopChild(relay);
    const consumerExit = await stopChild(consumer);
    const final = [...consumer.lines].reverse().find((l) => l.event === 'stopped') ?? stats();
    if (consumerExit.code !== 0) log(`consumer exited with ${JSON.stringify(consumerExit)}`);

    const result = {
      committed: committed.length,
      rolledBack: rolledBack.length,
      published,
      consumed: final.processed,
      duplicatesSkipped: final.duplicates,
      distinctIdsOnKafka: ids.size,
      rolledBackOnKafka,
      stockMatches,
    };
    const ok =
      result.committed === result.published &&
      result.published === result.consumed &&
      result.distinctIdsOnKafka === result.committed &&
      result.rolledBack > 0 &&
      result.rolledBackOnKafka === 0 &&
      result.duplicatesSkipped === REPLAYED &&
      stockMatches;
    log(
      `duplicatesSkipped ${result.duplicatesSkipped}: the ${REPLAYED} records re-sent above, each received a second time and ` +
        `not applied again (stock ${stockMatches ? 'matches' : 'does NOT match'} the committed orders exactly once); ` +
        `rolledBack ${result.rolledBack}: orders made to fail after writing, none of them on Kafka (${rolledBackOnKafka})`,
    );
    return { result: { ...result, ok }, ok };
  } finally {
    await Promise.all(children.map(stopChild));
    await db.end();
    await kafkaServer.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main().then(
  ({ result, ok }) => {
    console.log(JSON.stringify(result));
    process.exit(ok ? 0 : 1);
  },
  async (error) => {
    for (const state of children) {
      if (state.stderr) log(`${state.name} stderr (tail):\n${state.stderr.slice(-2000)}`);
    }
    log(`failed: ${error.stack ?? error}`);
    await Promise.all(children.map(stopChild));
    process.exit(1);
  },
);
