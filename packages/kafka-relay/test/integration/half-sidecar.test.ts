import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckerRegistry,
  createCheckerHandler,
  silentLogger,
  type HalfMessageView,
  type LocalTransactionState,
} from '@outboxkit/core';
import {
  CHECK_SIGNATURE_HEADER,
  CHECK_TIMESTAMP_HEADER,
  encodeCheckRequest,
  newMessageId,
  signCheckRequest,
} from '@outboxkit/core/internal';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { topicRecordCount } from '@outboxkit/test-support/kafka';
import { startRelayProcess, type RelayProcess } from '@outboxkit/test-support/relay-process';
import { rowOf, runCli, sleep, statusOf, waitFor } from './half-harness.js';

/**
 * Sidecar mode: the relay runs as its own process (the real `outbox-relay` CLI) and reaches the
 * application's checkers over HTTP, through the endpoint the application mounts. Two application
 * "instances" stand behind the one URL (the server alternates between them); one of them has no
 * checker for the group yet (a rolling deploy), which the relay must get past without counting.
 */
const SECRET = 'sidecar-test-secret-0123456789';
const MAX_CHECKS = 3;

const { database, prisma, outbox } = useRelayFixture({ prefix: 'ok_half_sidecar' });
let server: Server;
let checkerUrl: string;
let relay: RelayProcess | undefined;
const GROUP = uniqueName('payments');
const answers = new Map<string, LocalTransactionState>();
const calls: HalfMessageView[] = [];
/** Status codes the endpoint answered, in order. */
const statuses: number[] = [];

function relayEnv(secret: string): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: kafkaBrokers().join(','),
    OUTBOX_CHECKER_URL: checkerUrl,
    OUTBOX_CHECKER_SECRET: secret,
    OUTBOX_CHECKER_TIMEOUT_MS: '2000',
    OUTBOX_CHECKER_RETRIES: '2',
    OUTBOX_CHECK_IMMUNITY_MS: '300',
    OUTBOX_CHECK_INTERVAL_MS: '200',
    OUTBOX_CHECK_POLL_MS: '50',
    OUTBOX_MAX_CHECKS: String(MAX_CHECKS),
    OUTBOX_CHECK_TIMEOUT_MS: '9000',
    OUTBOX_CHECK_LEASE_MS: '10000',
  };
}

async function stopRelay(): Promise<void> {
  if (!relay) return;
  relay.child.kill('SIGTERM');
  expect((await relay.exited).code).toBe(0);
  relay = undefined;
}

beforeAll(async () => {
  // Instance A has the checker; instance B (an older deploy) has none for the group yet.
  const withChecker = new CheckerRegistry();
  withChecker.register(GROUP, (message) => {
    calls.push(message);
    return answers.get(message.transactionId) ?? 'UNKNOWN';
  });
  const instances = [
    createCheckerHandler({ secret: SECRET, checkers: withChecker, logger: silentLogger }),
    createCheckerHandler({ secret: SECRET, checkers: new CheckerRegistry(), logger: silentLogger }),
  ];
  let next = 0;
  server = createServer((req, res) => {
    res.on('finish', () => statuses.push(res.statusCode));
    if (req.url !== '/outboxkit/check') {
      res.statusCode = 404;
      res.end();
      return;
    }
    instances[next++ % instances.length]!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  checkerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/outboxkit/check`;

  relay = startRelayProcess(relayEnv(SECRET));
  await relay.ready;
});

afterAll(async () => {
  if (relay) {
    relay.child.kill('SIGKILL');
    await relay.exited;
  }
  await new Promise((resolve) => server?.close(resolve));
});

describe('sidecar mode: the relay in its own process, the checker behind HTTP', () => {
  it('resolves UNKNOWN half messages through the application\'s endpoint, getting past an instance without the checker', async () => {
    const topic = uniqueName('ok.half.sidecar');
    // The local steps end UNKNOWN; what really happened is what the checker will say.
    const committed = await outbox.sendHalf({ topic, key: 'a', value: { amount: 1 }, producerGroup: GROUP }, async (half) => {
      answers.set(half.transactionId, 'COMMIT');
      return 'UNKNOWN';
    });
    const rolledBack = await outbox.sendHalf({ topic, key: 'b', value: { amount: 2 }, producerGroup: GROUP }, async (half) => {
      answers.set(half.transactionId, 'ROLLBACK');
      return 'UNKNOWN';
    });

    await waitFor(async () => (await statusOf(prisma, committed.messageId)) === 'PUBLISHED', 30_000, 'the COMMIT over HTTP');
    await waitFor(async () => (await statusOf(prisma, rolledBack.messageId)) === 'ROLLED_BACK', 30_000, 'the ROLLBACK over HTTP');
    expect(await topicRecordCount(topic)).toBe(1);
    // The checker saw the message as written; instance B's 404s were retried, not counted.
    expect(calls.find((c) => c.id === committed.messageId)).toMatchObject({ topic, key: 'a', value: { amount: 1 }, producerGroup: GROUP, checkCount: 0 });
    expect(statuses).toContain(404);
    expect((await rowOf(prisma, committed.messageId)).checkCount).toBe(0);
  });

  it('parks after maxChecks; the CLI lists parked messages, resumes checking, commits and rolls back', async () => {
    const topic = uniqueName('ok.half.parked');
    const sent = await Promise.all(
      ['resume', 'commit', 'rollback'].map((name) => outbox.sendHalf({ topic, key: name, value: { name }, producerGroup: GROUP }, async () => 'UNKNOWN')),
    );
    const [toResume, toCommit, toRollBack] = sent.map((s) => s.messageId) as [string, string, string];
    await waitFor(
      async () => (await prisma.outboxMessage.count({ where: { topic, status: 'HALF', parkedAt: { not: null } } })) === 3,
      30_000,
      'three parked messages',
    );
    const env = { DATABASE_URL: database.url };

    const listed = await runCli(['half', 'list', '--parked'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const parked = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const id of [toResume, toCommit, toRollBack]) {
      expect(parked.find((p) => p.id === id)).toMatchObject({
        topic,
        producerGroup: GROUP,
        checks: MAX_CHECKS,
        parked: true,
        // Nothing checks a parked message until an operator acts: no next check to show.
        nextCheckAt: null,
        reason: `parked after ${MAX_CHECKS} of ${MAX_CHECKS} checks; last: the checker answered UNKNOWN`,
      });
    }
    await sleep(500);
    expect((await rowOf(prisma, toResume)).checkCount).toBe(MAX_CHECKS); // parked: no more checks

    // resume: checked again, with a fresh budget; this time the checker knows.
    answers.set(sent[0]!.transactionId, 'COMMIT');
    const resumed = await runCli(['half', 'resume', toResume], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ action: 'resume', done: [toResume], unchanged: [] });
    await waitFor(async () => (await statusOf(prisma, toResume)) === 'PUBLISHED', 30_000, 'the resumed message to be published');

    const commit = await runCli(['half', 'commit', toCommit], env);
    expect(JSON.parse(commit.stdout)).toEqual({ action: 'commit', done: [toCommit], unchanged: [] });
    const rollback = await runCli(['half', 'rollback', toRollBack], env);
    expect(JSON.parse(rollback.stdout)).toEqual({ action: 'rollback', done: [toRollBack], unchanged: [] });
    await waitFor(async () => (await statusOf(prisma, toCommit)) === 'PUBLISHED', 30_000, 'the committed message to be published');
    expect(await statusOf(prisma, toRollBack)).toBe('ROLLED_BACK');
    // The decision took the parking marks off; check_count keeps the checks the message used.
    for (const id of [toCommit, toRollBack]) expect(await rowOf(prisma, id)).toMatchObject({ parkedAt: null, nextCheckAt: null, checkCount: MAX_CHECKS });

    // An operator cannot overturn a decision either.
    const overturn = await runCli(['half', 'commit', toRollBack], env);
    expect(overturn.code).toBe(1);
    expect(JSON.parse(overturn.stdout)).toEqual({ action: 'commit', done: [], unchanged: [{ id: toRollBack, status: 'ROLLED_BACK' }] });
    const after = await runCli(['half', 'list', '--parked'], env);
    expect(after.stdout).not.toContain(topic);
    expect(await topicRecordCount(topic)).toBe(2);
    const bad = await runCli(['half', 'commit', 'not-an-id'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Not a message id: "not-an-id"; nothing was changed/);
    const unknown = newMessageId();
    const missing = await runCli(['half', 'rollback', unknown], env);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({ action: 'rollback', done: [], unchanged: [{ id: unknown, status: 'NOT_FOUND' }] });
  });

  it('refuses a wrong secret: the endpoint answers 401 and the relay uses up no check', async () => {
    // Straight at the endpoint: a request signed with another secret, and one not signed at all.
    const body = encodeCheckRequest({
      id: '0190a6f2-0000-7000-8000-000000000001', topic: 't', key: null, value: 1, type: null, headers: {},
      producerGroup: GROUP, transactionId: 'x', checkCount: 0, createdAt: new Date(),
    });
    const forged = signCheckRequest('not-the-shared-secret!', body);
    const callsBefore = calls.length;
    const attempts: Array<Record<string, string>> = [
      { [CHECK_TIMESTAMP_HEADER]: forged.timestamp, [CHECK_SIGNATURE_HEADER]: forged.signature },
      {},
    ];
    for (const headers of attempts) {
      const response = await fetch(checkerUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      expect(response.status).toBe(401);
    }
    expect(calls.length).toBe(callsBefore);

    // A relay configured with the wrong secret: refused, logged without the secret, nothing counted.
    await stopRelay();
    const wrongSecret = 'the-wrong-secret-0123456789';
    relay = startRelayProcess(relayEnv(wrongSecret));
    await relay.ready;
    const topic = uniqueName('ok.half.wrong-secret');
    const sent = await outbox.sendHalf({ topic, value: { n: 1 }, producerGroup: GROUP }, async () => 'UNKNOWN');
    answers.set(sent.transactionId, 'COMMIT');
    const refusedBefore = statuses.filter((s) => s === 401).length;
    await waitFor(() => statuses.filter((s) => s === 401).length >= refusedBefore + MAX_CHECKS + 1, 20_000, 'refused checks');
    const row = await rowOf(prisma, sent.messageId);
    expect(row).toMatchObject({ status: 'HALF', checkCount: 0, parkedAt: null });
    expect(row.lastError).toMatch(/refused the signature/);
    expect(calls.some((c) => c.id === sent.messageId)).toBe(false);
    expect(relay.output()).toContain('refused the relay');
    expect(relay.output()).not.toContain(wrongSecret);
    expect(relay.output()).not.toContain(SECRET);
    await stopRelay();

    // With the right secret again, the message is checked and published.
    relay = startRelayProcess(relayEnv(SECRET));
    await relay.ready;
    await waitFor(async () => (await statusOf(prisma, sent.messageId)) === 'PUBLISHED', 30_000, 'publication with the right secret');
  });
});
