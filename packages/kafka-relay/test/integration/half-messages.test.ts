import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckerRegistry,
  HalfMessage,
  HalfMessageAlreadyResolvedError,
  LocalTransactionRollback,
  registerCheckers,
  resolveHalf,
  send,
  silentLogger,
  TransactionChecker,
  type HalfMessageView,
  type LocalTransactionState,
} from '@outboxkit/core';
import { HEADERS, type HalfCheckEvents } from '@outboxkit/core/internal';
import { Relay } from '@outboxkit/kafka-relay';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { createTopic, readTopic, topicRecordCount } from '@outboxkit/test-support/kafka';
import { rowOf, sleep, statusOf, waitFor } from './half-harness.js';

/**
 * Half messages with the relay in the application's process: the checkers are registered in a
 * CheckerRegistry the relay's check service asks directly. Real PostgreSQL, real Kafka.
 */
const { database, prisma, outbox } = useRelayFixture({ prefix: 'ok_half' });
let relay: Relay;
const registry = new CheckerRegistry();
const GROUP = uniqueName('payments');
const MAX_CHECKS = 4;
/** What the test checker answers, by transaction id (default UNKNOWN). */
const answers = new Map<string, LocalTransactionState>();
const checkerCalls: HalfMessageView[] = [];
const checked: Array<HalfCheckEvents['half:checked']> = [];

beforeAll(async () => {
  registry.register(GROUP, (message) => {
    checkerCalls.push(message);
    return answers.get(message.transactionId) ?? 'UNKNOWN';
  });
  relay = new Relay({
    databaseUrl: database.url,
    brokers: kafkaBrokers(),
    logger: silentLogger,
    http: { port: 0 },
    halfMessages: {
      checker: registry,
      checkImmunityMs: 300,
      checkIntervalMs: 150,
      pollIntervalMs: 50,
      maxChecks: MAX_CHECKS,
      checkTimeoutMs: 2_000,
      leaseMs: 5_000,
      ageSnapshotIntervalMs: 100,
    },
  });
  relay.halfChecks!.events.on('half:checked', (event) => checked.push(event));
  await relay.start();
});

afterAll(async () => {
  await relay?.stop();
});

/** A committed same-transaction message on another topic: once published, the relay has run past earlier rows. */
async function relayCaughtUp(): Promise<void> {
  const id = await outbox.transaction(async () => send({ topic: uniqueName('ok.half.marker'), value: 1 }));
  await waitFor(async () => (await statusOf(prisma, id)) === 'PUBLISHED', 30_000, 'a later message to be published');
}

describe('half messages: local transaction outcome', () => {
  it('COMMIT → published exactly once, and in its key\'s order as of its commit', async () => {
    const topic = uniqueName('ok.half.commit');
    await createTopic(topic, 3);
    const key = randomUUID();
    let halfSeq = 0n;
    let sameKeyId = '';
    // This message's own immunity keeps the back-check away while its local step runs on purpose long.
    const message = { topic, key, value: { captured: 10 }, producerGroup: GROUP, type: 'PaymentCaptured', checkImmunityMs: 60_000 };
    const result = await outbox.sendHalf(message, async (half) => {
      const row = await rowOf(prisma, half.messageId);
      expect(row.status).toBe('HALF');
      halfSeq = row.seq;
      // A same-key message committed while the half message is undecided comes first on Kafka.
      sameKeyId = await outbox.transaction(async () => send({ topic, key, value: { before: true } }));
      await waitFor(async () => (await statusOf(prisma, sameKeyId)) === 'PUBLISHED', 30_000, 'the same-key message');
      expect((await rowOf(prisma, half.messageId)).status).toBe('HALF'); // a HALF row is never published
      return 'COMMIT';
    });
    expect(result).toMatchObject({ localState: 'COMMIT', status: 'READY', producerGroup: GROUP });
    await waitFor(async () => (await statusOf(prisma, result.messageId)) === 'PUBLISHED', 30_000, 'the half message to be published');
    expect((await rowOf(prisma, result.messageId)).seq).toBeGreaterThan((await rowOf(prisma, sameKeyId)).seq);
    expect((await rowOf(prisma, sameKeyId)).seq).toBeGreaterThan(halfSeq);

    const records = await readTopic(topic);
    expect(records.map((r) => r.headers[HEADERS.messageId])).toEqual([sameKeyId, result.messageId]);
    expect(records[1]!.headers[HEADERS.producerGroup]).toBe(GROUP);
    expect(records[1]!.headers[HEADERS.messageType]).toBe('PaymentCaptured');
    expect(JSON.parse(records[1]!.value!)).toEqual({ captured: 10 });
    expect(checkerCalls.some((c) => c.id === result.messageId)).toBe(false);
  });

  it('ROLLBACK → never published', async () => {
    const topic = uniqueName('ok.half.rollback');
    const returned = await outbox.sendHalf({ topic, value: { n: 1 }, producerGroup: GROUP }, async () => 'ROLLBACK');
    const thrown = await outbox.sendHalf({ topic, value: { n: 2 }, producerGroup: GROUP }, async () => {
      throw new LocalTransactionRollback('card declined');
    });
    expect(returned.status).toBe('ROLLED_BACK');
    expect(thrown.status).toBe('ROLLED_BACK');
    expect((await rowOf(prisma, thrown.messageId)).lastError).toContain('card declined');
    await relayCaughtUp();
    await sleep(400); // past the immunity: a rolled-back message is not checked either
    expect(await topicRecordCount(topic)).toBe(0);
    expect(checkerCalls.filter((c) => c.id === returned.messageId || c.id === thrown.messageId)).toEqual([]);
  });

  it('UNKNOWN → the checker\'s COMMIT publishes it exactly once', async () => {
    const topic = uniqueName('ok.half.unknown.commit');
    const result = await outbox.sendHalf({ topic, key: 'k', value: { pending: true }, producerGroup: GROUP }, async () => 'UNKNOWN');
    expect(result).toMatchObject({ localState: 'UNKNOWN', status: 'HALF' });
    // The checker says UNKNOWN first: each such check is counted and the message waits.
    await waitFor(async () => (await rowOf(prisma, result.messageId)).checkCount >= 1, 10_000, 'a counted check');
    expect(await topicRecordCount(topic)).toBe(0);
    answers.set(result.transactionId, 'COMMIT');
    await waitFor(async () => (await statusOf(prisma, result.messageId)) === 'PUBLISHED', 30_000, 'the checker\'s COMMIT');
    await sleep(300);
    // The topic is this message's alone: one record on it is "published exactly once".
    expect(await topicRecordCount(topic)).toBe(1);
    const row = await rowOf(prisma, result.messageId);
    expect(row.lastError).toMatch(/committed by the checker/);
    expect(checkerCalls.filter((c) => c.id === result.messageId).at(-1)).toMatchObject({
      topic,
      key: 'k',
      value: { pending: true },
      producerGroup: GROUP,
      transactionId: result.transactionId,
    });
  });

  it('UNKNOWN (the local step threw) → the checker\'s ROLLBACK: never published', async () => {
    const topic = uniqueName('ok.half.unknown.rollback');
    const result = await outbox.sendHalf({ topic, value: { pending: true }, producerGroup: GROUP }, async () => {
      throw new Error('payment provider timed out');
    });
    expect(result).toMatchObject({ localState: 'UNKNOWN', status: 'HALF' });
    expect((result.error as Error).message).toBe('payment provider timed out');
    expect((await rowOf(prisma, result.messageId)).lastError).toContain('payment provider timed out');
    answers.set(result.transactionId, 'ROLLBACK');
    await waitFor(async () => (await statusOf(prisma, result.messageId)) === 'ROLLED_BACK', 30_000, 'the checker\'s ROLLBACK');
    await relayCaughtUp();
    expect(await topicRecordCount(topic)).toBe(0);
  });

  it('a late COMMIT after the checker\'s ROLLBACK is rejected', async () => {
    const topic = uniqueName('ok.half.late');
    const transactionId = randomUUID();
    answers.set(transactionId, 'ROLLBACK');
    let messageId = '';
    const late = outbox.sendHalf({ topic, value: { slow: true }, producerGroup: GROUP, transactionId }, async (half) => {
      messageId = half.messageId;
      // A slow local step: the checker gets there first and rolls the message back.
      await waitFor(async () => (await statusOf(prisma, half.messageId)) === 'ROLLED_BACK', 10_000, 'the checker\'s ROLLBACK');
      return 'COMMIT';
    });
    await expect(late).rejects.toBeInstanceOf(HalfMessageAlreadyResolvedError);
    await expect(late).rejects.toMatchObject({ attempted: 'COMMIT', currentStatus: 'ROLLED_BACK', code: 'OUTBOX_HALF_ALREADY_RESOLVED' });
    // Also when the decision comes later through resolveHalf (RocketMQ's end-transaction).
    await expect(resolveHalf(messageId, 'COMMIT', { outbox })).rejects.toBeInstanceOf(HalfMessageAlreadyResolvedError);
    await resolveHalf(messageId, 'ROLLBACK', { outbox }); // the same decision again is fine
    expect(await statusOf(prisma, messageId)).toBe('ROLLED_BACK');
    await relayCaughtUp();
    expect(await topicRecordCount(topic)).toBe(0);
  });
});

describe('the back-check', () => {
  it('parks a message after maxChecks UNKNOWN answers — visible, still HALF, never discarded', async () => {
    const topic = uniqueName('ok.half.park');
    const parkedEvents: Array<HalfCheckEvents['half:parked']> = [];
    const off = relay.halfChecks!.events.on('half:parked', (e) => parkedEvents.push(e));
    const result = await outbox.sendHalf({ topic, value: { n: 1 }, producerGroup: GROUP }, async () => 'UNKNOWN');
    await waitFor(async () => (await rowOf(prisma, result.messageId)).parkedAt !== null, 15_000, 'the message to be parked');
    off();
    const row = await rowOf(prisma, result.messageId);
    expect(row).toMatchObject({ status: 'HALF', checkCount: MAX_CHECKS });
    expect(row.lastError).toBe(`parked after ${MAX_CHECKS} of ${MAX_CHECKS} checks; last: the checker answered UNKNOWN`);
    expect(parkedEvents.map((e) => e.id)).toContain(result.messageId);
    const calls = checkerCalls.filter((c) => c.id === result.messageId).length;
    expect(calls).toBe(MAX_CHECKS);
    await sleep(500);
    expect(checkerCalls.filter((c) => c.id === result.messageId).length).toBe(calls); // parked: no more checks
    const ages = await relay.halfChecks!.snapshotAges();
    expect(ages.parked).toBeGreaterThanOrEqual(1);
    expect(ages.total).toBeGreaterThanOrEqual(1);
    expect(relay.halfChecks!.stats.parked).toBeGreaterThanOrEqual(1);
    expect(await topicRecordCount(topic)).toBe(0);
  });

  it('uses up no check while no checker is reachable for the group, and resolves once one is', async () => {
    const topic = uniqueName('ok.half.unreachable');
    const lonelyGroup = uniqueName('no-checker');
    const result = await outbox.sendHalf({ topic, value: { n: 1 }, producerGroup: lonelyGroup }, async () => 'UNKNOWN');
    const unreachable = () => checked.filter((c) => c.id === result.messageId && c.result === 'UNREACHABLE').length;
    await waitFor(() => unreachable() >= MAX_CHECKS + 2, 15_000, 'several checks that reach no checker');
    const row = await rowOf(prisma, result.messageId);
    expect(row).toMatchObject({ status: 'HALF', checkCount: 0, parkedAt: null });
    expect(row.lastError).toMatch(/not counted/);
    const off = registry.register(lonelyGroup, () => 'COMMIT');
    try {
      await waitFor(async () => (await statusOf(prisma, result.messageId)) === 'PUBLISHED', 30_000, 'the late checker\'s COMMIT');
    } finally {
      off();
    }
    expect(await topicRecordCount(topic)).toBe(1);
  });

  it('never checks same-transaction messages', async () => {
    const topic = uniqueName('ok.half.same-tx');
    const ids = await outbox.transaction(async () => Array.from({ length: 5 }, (_, n) => send({ topic, key: `k${n}`, value: { n } })));
    // A long-running same-transaction write, open across several check intervals, is not checked either.
    const slow = await outbox.transaction(async () => {
      const id = send({ topic, value: { slow: true } });
      await sleep(700);
      return id;
    });
    await waitFor(async () => (await prisma.outboxMessage.count({ where: { topic, status: 'PUBLISHED' } })) === 6, 30_000, 'publication');
    const passes = relay.halfChecks!.stats.passes;
    await waitFor(() => relay.halfChecks!.stats.passes >= passes + 5, 10_000, 'more check passes');
    const all = [...ids, slow];
    expect(checked.filter((c) => all.includes(c.id))).toEqual([]);
    expect(checkerCalls.filter((c) => all.includes(c.id))).toEqual([]);
    const rows = await prisma.outboxMessage.findMany({ where: { id: { in: all } } });
    expect(rows.every((r) => r.checkCount === 0 && r.producerGroup === null && r.nextCheckAt === null)).toBe(true);
    expect(await topicRecordCount(topic)).toBe(6);
  });

  it('@HalfMessage and @TransactionChecker on a plain class: the checker settles what the method left UNKNOWN', async () => {
    const topic = uniqueName('ok.half.decorators');
    const group = uniqueName('captures');
    /** The "payment provider": what it captured, by idempotency key. */
    const provider = new Map<string, 'captured' | 'declined'>();

    class PaymentService {
      @HalfMessage({
        producerGroup: group,
        outbox: () => outbox,
        message: (orderId: string, amount: number) => ({ topic, key: orderId, value: { orderId, amount }, transactionId: `pay-${orderId}` }),
      })
      async capture(orderId: string, amount: number, outcome: 'ok' | 'declined' | 'timeout-after-capture'): Promise<string> {
        const key = `pay-${orderId}`;
        if (outcome === 'declined') {
          provider.set(key, 'declined');
          throw new LocalTransactionRollback('declined by the provider');
        }
        provider.set(key, 'captured');
        if (outcome === 'timeout-after-capture') throw new Error('provider timed out (it did capture)');
        return key;
      }

      @TransactionChecker(group)
      async checkCapture(message: HalfMessageView): Promise<LocalTransactionState> {
        const state = provider.get(message.transactionId);
        return state === 'captured' ? 'COMMIT' : state === 'declined' ? 'ROLLBACK' : 'UNKNOWN';
      }
    }
    const service = new PaymentService();
    expect(registerCheckers(service, { registry })).toEqual([group]);

    await expect(service.capture('o1', 10, 'ok')).resolves.toBe('pay-o1');
    await expect(service.capture('o2', 20, 'declined')).rejects.toBeInstanceOf(LocalTransactionRollback);
    await expect(service.capture('o3', 30, 'timeout-after-capture')).rejects.toThrow('provider timed out');

    await waitFor(async () => (await prisma.outboxMessage.count({ where: { topic, status: 'PUBLISHED' } })) === 2, 30_000, 'o1 and o3');
    const rows = await prisma.outboxMessage.findMany({ where: { topic }, orderBy: { key: 'asc' } });
    expect(rows.map((r) => [r.key, r.status])).toEqual([
      ['o1', 'PUBLISHED'],
      ['o2', 'ROLLED_BACK'],
      ['o3', 'PUBLISHED'],
    ]);
    expect(await topicRecordCount(topic)).toBe(2);
  });

  it('counts checks by result and measures HALF rows by age', async () => {
    const stats = relay.halfChecks!.stats;
    expect(stats.checks.COMMIT).toBeGreaterThanOrEqual(2);
    expect(stats.checks.ROLLBACK).toBeGreaterThanOrEqual(2);
    expect(stats.checks.UNKNOWN).toBeGreaterThanOrEqual(MAX_CHECKS);
    expect(stats.checks.UNREACHABLE).toBeGreaterThanOrEqual(MAX_CHECKS);
    expect(stats.resolved.COMMIT).toBeGreaterThanOrEqual(2);
    expect(stats.ages).toBeDefined();
    expect(stats.ages!.buckets.map((b) => b.leMs)).toEqual([6_000, 30_000, 60_000, 300_000, 1_800_000, 3_600_000]);
    expect(stats.ages!.oldestAgeMs).toBeGreaterThan(0);
    // The same numbers on the relay's Prometheus endpoint.
    const metrics = await (await fetch(`http://127.0.0.1:${relay.httpPort}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('outbox_half_checks_commit_total')).toBe(stats.checks.COMMIT);
    expect(value('outbox_half_checks_unreachable_total')).toBeGreaterThanOrEqual(MAX_CHECKS);
    expect(value('outbox_half_parked_total')).toBeGreaterThanOrEqual(1);
    expect(value('outbox_half_parked_messages')).toBeGreaterThanOrEqual(1);
    expect(value('outbox_half_oldest_age_seconds')).toBeGreaterThan(0);
  });
});
