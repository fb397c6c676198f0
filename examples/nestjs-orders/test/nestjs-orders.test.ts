import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaClient, readTopic, waitForRecordCount } from '@outboxkit/test-support/kafka';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { startRelayProcess, type RelayProcess } from '@outboxkit/test-support/relay-process';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';

/**
 * The NestJS example end to end, as it is deployed: the Nest HTTP service, the outbox-relay
 * sidecar and the Nest inventory consumer, each its own process, on the real PostgreSQL and Kafka.
 * An order posted over HTTP reaches Kafka as orders.created and the consumer's stock decrement
 * happens once, even when the record is delivered twice.
 */
const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
const TSX = path.join(EXAMPLE, 'node_modules', '.bin', 'tsx');
const SKU = 'sku-nest-e2e';
const STOCK = 100;

interface Child {
  process: ChildProcess;
  lines: Array<Record<string, unknown>>;
  output: () => string;
  exited: Promise<number | null>;
}

function startExample(script: string, env: Record<string, string>): Child {
  const child = spawn(TSX, [script], { cwd: EXAMPLE, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let output = '';
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk;
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not a JSON line */
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, lines, output: () => output, exited };
}

async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, child?: Child, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (child && child.process.exitCode !== null) throw new Error(`${what}: the process exited early:\n${child.output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${child ? `:\n${child.output().slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: Child | RelayProcess | undefined): Promise<void> {
  if (!child) return;
  const proc = 'process' in child ? child.process : child.child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const {
  database,
  prisma,
  topics: [topic],
} = useRelayFixture({ prefix: 'ok_nest_e2e', topics: [{ prefix: 'orders.created', partitions: 3 }] });
let relay: RelayProcess | undefined;
let server: Child | undefined;
let consumer: Child | undefined;
const group = uniqueName('inventory');

beforeAll(async () => {
  await prisma.stockItem.create({ data: { sku: SKU, available: STOCK } });
  const env = { DATABASE_URL: database.url, KAFKA_BROKERS: kafkaBrokers().join(','), ORDERS_TOPIC: topic, CONSUMER_GROUP: group };
  relay = startRelayProcess(env);
  server = startExample('src/main.ts', { ...env, PORT: '0' });
  consumer = startExample('src/inventory-consumer.ts', env);
  await Promise.all([
    relay.ready,
    waitFor('the Nest service to listen', () => server!.lines.find((l) => l.event === 'listening'), server),
    waitFor('the Nest consumer to start', () => consumer!.lines.find((l) => l.event === 'consuming'), consumer),
  ]);
});

afterAll(async () => {
  await Promise.all([stop(server), stop(consumer), stop(relay)]);
});

describe('examples/nestjs-orders', () => {
  it('order over HTTP → orders.created on Kafka via the relay sidecar → stock decremented once', async () => {
    const { port } = server!.lines.find((l) => l.event === 'listening') as { port: number };
    const post = (body: unknown) =>
      fetch(`http://127.0.0.1:${port}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const placed = await post({ customer: 'ada', sku: SKU, quantity: 3 });
    expect(placed.status).toBe(201);
    const { orderId, messageId } = (await placed.json()) as { orderId: string; messageId: string };

    // A failing order rolls back with its message: nothing of it may ever reach Kafka.
    const rejected = await post({ customer: 'bob', sku: SKU, quantity: 5, failAfterWrite: true });
    expect(rejected.status).toBe(422);
    const { orderId: rejectedId } = (await rejected.json()) as { orderId: string };
    expect(await prisma.order.count({ where: { id: rejectedId } })).toBe(0);
    expect((await post({ customer: 'bad' })).status).toBe(400);

    expect(await waitForRecordCount(topic, 1)).toBe(1);
    const [record] = await readTopic(topic);
    expect(record).toMatchObject({ key: orderId, headers: { 'outboxkit-message-id': messageId, 'outboxkit-message-type': 'OrderCreated' } });
    expect(JSON.parse(record!.value!)).toEqual({ orderId, customer: 'ada', sku: SKU, quantity: 3 });
    expect((await prisma.outboxMessage.findUniqueOrThrow({ where: { id: messageId } })).status).toBe('PUBLISHED');

    await waitFor('the stock decrement', async () => (await prisma.stockItem.findUniqueOrThrow({ where: { sku: SKU } })).available === STOCK - 3, consumer);

    // Kafka delivers the same record again (a producer retry, a replay): the inbox skips it.
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: record!.key, value: record!.value, headers: record!.headers }] });
    await producer.disconnect();
    await waitFor('the duplicate to be seen', () => consumer!.lines.some((l) => l.event === 'stats' && Number(l.duplicates) >= 1), consumer);
    expect((await prisma.stockItem.findUniqueOrThrow({ where: { sku: SKU } })).available).toBe(STOCK - 3);
    expect(await prisma.inboxMessage.count({ where: { consumerGroup: group, messageId } })).toBe(1);
    expect(await prisma.inboxMessage.count({ where: { consumerGroup: group } })).toBe(1);
  });
});
