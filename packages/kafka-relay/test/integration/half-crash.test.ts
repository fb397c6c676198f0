import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckerRegistry, silentLogger } from '@outboxkit/core';
import { HEADERS, type HalfCheckEvents } from '@outboxkit/core/internal';
import { Relay } from '@outboxkit/kafka-relay';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { createTopic, readTopic } from '@outboxkit/test-support/kafka';
import { startScript, waitFor } from './half-harness.js';

/**
 * The producer dies after writing its half messages — some before their local transaction
 * committed, some after — and the relay's back-check must find the true local outcome of each.
 * The producer is a real process, SIGKILLed; PostgreSQL and Kafka are real.
 */
const PRODUCER = fileURLToPath(new URL('./fixtures/half-producer.ts', import.meta.url));
const COUNT = 10;
/** The producer's local transactions time out after 5 s (half-producer.ts); the checker waits longer before saying ROLLBACK. */
const LOCAL_TIMEOUT_MS = 5_000;

const { database, prisma } = useRelayFixture({ prefix: 'ok_half_crash' });
let relay: Relay;
const registry = new CheckerRegistry();
const EXTERNAL_GROUP = uniqueName('orders-ext');
const checked: Array<HalfCheckEvents['half:checked']> = [];

beforeAll(async () => {
  // The user's checker for the external mode: the order exists → COMMIT; it does not, and the
  // local transaction can no longer be running → ROLLBACK; otherwise UNKNOWN (ask again later).
  registry.register(EXTERNAL_GROUP, async (message) => {
    const order = await prisma.order.findUnique({ where: { id: message.transactionId } });
    if (order) return 'COMMIT';
    return Date.now() - message.createdAt.getTime() > LOCAL_TIMEOUT_MS + 500 ? 'ROLLBACK' : 'UNKNOWN';
  });
  relay = new Relay({
    databaseUrl: database.url,
    brokers: kafkaBrokers(),
    logger: silentLogger,
    halfMessages: { checker: registry, checkImmunityMs: 300, checkIntervalMs: 300, pollIntervalMs: 50, maxChecks: 100, checkTimeoutMs: 2_000, leaseMs: 5_000 },
  });
  relay.halfChecks!.events.on('half:checked', (event) => checked.push(event));
  await relay.start();
});

afterAll(async () => {
  await relay?.stop();
});

async function crashProducer(mode: 'external' | 'database', group: string, topic: string) {
  const producer = startScript(PRODUCER, { DATABASE_URL: database.url, TOPIC: topic, GROUP: group, MODE: mode, COUNT: String(COUNT) });
  try {
    await waitFor(
      () => producer.lines.filter((l) => l.event === 'holding').length === COUNT || producer.child.exitCode !== null,
      60_000,
      'every local transaction to reach its stop',
    );
  } finally {
    producer.child.kill('SIGKILL');
  }
  const exit = await producer.exited;
  expect(exit.signal, producer.stderr()).toBe('SIGKILL');
  const written = producer.lines.filter((l) => l.event === 'half-written') as Array<{ i: number; id: string; transactionId: string; commitFirst: boolean }>;
  expect(written).toHaveLength(COUNT);
  return written;
}

/** Waits for the back-check to decide every message, then compares each decision with the truth. */
async function expectTrueOutcomes(topic: string, written: Array<{ id: string; transactionId: string; commitFirst: boolean }>) {
  await waitFor(async () => (await prisma.outboxMessage.count({ where: { topic, status: { in: ['HALF', 'READY'] } } })) === 0, 60_000, 'every message decided and published');
  const rows = new Map((await prisma.outboxMessage.findMany({ where: { topic } })).map((r) => [r.id, r]));
  const committedIds: string[] = [];
  for (const message of written) {
    const committed = (await prisma.order.findUnique({ where: { id: message.transactionId } })) !== null;
    // The process was killed before the local commit of exactly the even messages.
    expect(committed).toBe(message.commitFirst);
    expect(rows.get(message.id)?.status).toBe(committed ? 'PUBLISHED' : 'ROLLED_BACK');
    if (committed) committedIds.push(message.id);
  }
  const records = await readTopic(topic);
  expect(records.map((r) => r.headers[HEADERS.messageId]).sort()).toEqual(committedIds.sort());
}

describe('a producer SIGKILLed after the half write', () => {
  it('external local transactions: the user checker resolves each message to its true outcome', async () => {
    const topic = uniqueName('ok.half.crash.ext');
    await createTopic(topic, 3);
    const written = await crashProducer('external', EXTERNAL_GROUP, topic);
    await expectTrueOutcomes(topic, written);
    const ids = new Set(written.map((w) => w.id));
    expect(checked.filter((c) => ids.has(c.id) && c.via === 'checker' && (c.result === 'COMMIT' || c.result === 'ROLLBACK'))).toHaveLength(COUNT);
  });

  it('database local transactions: the default marker checker resolves both cases with no user checker', async () => {
    const topic = uniqueName('ok.half.crash.db');
    const group = uniqueName('orders-db'); // no checker is registered for this group anywhere
    await createTopic(topic, 3);
    const written = await crashProducer('database', group, topic);
    const rows = await prisma.outboxMessage.findMany({ where: { topic } });
    expect(rows.every((r) => r.markerCheck && r.status === 'HALF')).toBe(true);
    await expectTrueOutcomes(topic, written);
    const ids = new Set(written.map((w) => w.id));
    const decisions = checked.filter((c) => ids.has(c.id));
    expect(decisions.every((c) => c.via === 'marker')).toBe(true);
    expect(decisions.filter((c) => c.result === 'COMMIT')).toHaveLength(COUNT / 2);
    expect(decisions.filter((c) => c.result === 'ROLLBACK')).toHaveLength(COUNT / 2);
    expect(registry.has(group)).toBe(false);
  });
});
