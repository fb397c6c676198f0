import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckerRegistry,
  InvalidConfigError,
  resolveHalf,
  silentLogger,
  type LocalTransactionState,
} from '@outboxkit/core';
import {
  currentScope,
  insertHalfMessage,
  insertTxMarker,
  newMessageId,
  prepareMessage,
  sqlOutboxAdmin,
  type CheckerResolver,
  type HalfCheckEvents,
} from '@outboxkit/core/internal';
import { createPrismaHalfCheckService, createPrismaOutbox, type PrismaOutbox } from '@outboxkit/prisma-adapter';
import { freshDatabase, uniqueName } from '@outboxkit/test-support/servers';
import { createPrismaClient, type PrismaClient } from '@outboxkit/test-support/prisma';

/**
 * The back-check running on the application's own Prisma client (no Relay, no Kafka): the check
 * service's statements through Prisma's raw-query path, the marker check's fence against a local
 * transaction that is still running, and the operator actions.
 */
let database: Awaited<ReturnType<typeof freshDatabase>>;
let prisma: PrismaClient;
let outbox: PrismaOutbox<PrismaClient>;

beforeAll(async () => {
  database = await freshDatabase('ok_half_prisma');
  prisma = createPrismaClient(database.url);
  outbox = createPrismaOutbox(prisma, { logger: silentLogger, registerAsDefault: false });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

const waitFor = async (predicate: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const status = async (id: string) => (await prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).status;

describe('HalfCheckService on Prisma', () => {
  it('resolves checker and marker messages, and measures HALF rows by age', async () => {
    const group = uniqueName('g');
    const registry = new CheckerRegistry();
    registry.register(group, (m) => ((m.value as { ok: boolean }).ok ? 'COMMIT' : 'ROLLBACK'));
    const service = createPrismaHalfCheckService(outbox, { checker: registry, checkImmunityMs: 0, checkIntervalMs: 100, pollIntervalMs: 25, ageBucketsMs: [1_000, 60_000] });
    const yes = await outbox.sendHalf({ topic: 't', key: 'a', value: { ok: true }, producerGroup: group }, async () => 'UNKNOWN');
    const no = await outbox.sendHalf({ topic: 't', value: { ok: false }, producerGroup: group }, async () => 'UNKNOWN');
    const bytes = await outbox.sendHalf({ topic: 't', value: new Uint8Array([1]), producerGroup: uniqueName('nobody') }, async () => 'UNKNOWN');
    const ages = await service.snapshotAges();
    expect(ages.total).toBe(3);
    expect(ages.buckets).toEqual([{ leMs: 1_000, count: 3 }, { leMs: 60_000, count: 3 }]);
    expect(await service.checkOnce()).toBe(3);
    expect(await status(yes.messageId)).toBe('READY');
    expect(await status(no.messageId)).toBe('ROLLED_BACK');
    const unreachable = await prisma.outboxMessage.findUniqueOrThrow({ where: { id: bytes.messageId } });
    expect(unreachable).toMatchObject({ status: 'HALF', checkCount: 0 });
    expect(service.stats.checks).toMatchObject({ COMMIT: 1, ROLLBACK: 1, UNREACHABLE: 1 });
    await sqlOutboxAdmin(outbox.executor).half.rollback([bytes.messageId]);
  });

  it('marker check: waits for a local transaction still running and follows its outcome; fences one that comes too late', async () => {
    const checked: Array<HalfCheckEvents['half:checked']> = [];
    const service = createPrismaHalfCheckService(outbox, { checkImmunityMs: 0, pollIntervalMs: 25 });
    service.events.on('half:checked', (e) => checked.push(e));
    // The message asks to be checked at once (checkImmunityMs 0): its local transaction is still running then.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let messageId = '';
    const sending = outbox.sendHalf({ topic: 't', value: 1, producerGroup: 'db', checkImmunityMs: 0 }, async (half) => {
      messageId = half.messageId;
      await held;
    }, { localTransaction: 'database', timeoutMs: 10_000 });
    await waitFor(async () => messageId !== '', 'the local transaction to start');
    const checking = service.checkOnce(); // the fence waits for the running transaction's marker
    await new Promise((r) => setTimeout(r, 300));
    expect(checked).toEqual([]);
    expect(await status(messageId)).toBe('HALF');
    release();
    const [result] = await Promise.all([sending, checking]);
    expect(result.status).toBe('READY');
    expect(await status(messageId)).toBe('READY');
    expect(checked).toMatchObject([{ id: messageId, via: 'marker', result: 'COMMIT' }]);

    // A marker-mode message whose local transaction had not begun when the check came (past its
    // deadline): the check fences the transaction id and rolls the message back; the local
    // transaction, starting afterwards, can no longer write its marker, so it cannot commit.
    const message = { ...prepareMessage({ topic: 't', value: 3 }, { maxMessageBytes: 1e6, producerGroup: 'db' }), transactionId: uniqueName('tx') };
    await outbox.executor.execute(insertHalfMessage(outbox.settings.tables.outbox, message, { firstCheckInMs: 0, markerCheck: true }));
    await service.checkOnce();
    expect(await status(message.id)).toBe('ROLLED_BACK');
    expect(checked.at(-1)).toMatchObject({ id: message.id, via: 'marker', result: 'ROLLBACK' });
    const written = await outbox.transaction(async () =>
      currentScope()!.handle.executor.execute(insertTxMarker(outbox.settings.tables.marker, message.transactionId)),
    );
    expect(written).toBe(0);
  });

  it('operator actions: list, resume, commit, roll back; never overturn', async () => {
    const group = uniqueName('ops');
    const admin = sqlOutboxAdmin(outbox.executor).half;
    const a = await outbox.sendHalf({ topic: 'ops', value: 1, producerGroup: group }, async () => 'UNKNOWN');
    const b = await outbox.sendHalf({ topic: 'ops', value: 2, producerGroup: group }, async () => 'UNKNOWN');
    const listed = await admin.list();
    expect(listed.filter((m) => m.producerGroup === group).map((m) => m.id)).toEqual([a.messageId, b.messageId]);
    expect(await admin.resume([a.messageId])).toEqual([{ id: a.messageId, ok: true }]);
    expect(await admin.commit([a.messageId])).toEqual([{ id: a.messageId, ok: true }]);
    expect(await admin.rollback([b.messageId])).toEqual([{ id: b.messageId, ok: true }]);
    expect(await admin.rollback([a.messageId])).toEqual([{ id: a.messageId, ok: false, status: 'READY' }]);
    expect(await admin.resume([b.messageId])).toEqual([{ id: b.messageId, ok: false, status: 'ROLLED_BACK' }]);
    await expect(admin.commit(['nope'])).rejects.toMatchObject({ code: 'OUTBOX_INVALID_MESSAGE_ID' });
    await expect(admin.commit([])).rejects.toBeInstanceOf(InvalidConfigError);
    const unknown = newMessageId();
    expect(await admin.commit([unknown])).toEqual([{ id: unknown, ok: false, status: 'NOT_FOUND' }]);
    expect(await admin.rollback([unknown])).toEqual([{ id: unknown, ok: false, status: 'NOT_FOUND' }]);
  });

  it('resolveHalf takes exactly COMMIT or ROLLBACK and an existing message id; anything else changes nothing', async () => {
    const sent = await outbox.sendHalf({ topic: 'r', value: 1, producerGroup: uniqueName('resolve') }, async () => 'UNKNOWN');
    for (const decision of ['MAYBE', 'commit', 'rollback', 'UNKNOWN', undefined]) {
      await expect(resolveHalf(sent.messageId, decision as never, { outbox })).rejects.toMatchObject({ code: 'OUTBOX_INVALID_HALF_DECISION' });
      expect(await status(sent.messageId)).toBe('HALF');
    }
    await expect(resolveHalf('not-a-uuid', 'COMMIT', { outbox })).rejects.toMatchObject({ code: 'OUTBOX_INVALID_MESSAGE_ID' });
    await expect(resolveHalf(newMessageId(), 'COMMIT', { outbox })).rejects.toMatchObject({ code: 'OUTBOX_HALF_NOT_FOUND' });
    await expect(resolveHalf(newMessageId(), 'ROLLBACK', { outbox })).rejects.toMatchObject({ code: 'OUTBOX_HALF_NOT_FOUND' });
    await resolveHalf(sent.messageId, 'COMMIT', { outbox });
    expect(await status(sent.messageId)).toBe('READY');
  });

  it('a checker answering something that is not a state counts a failed check and never rolls back', async () => {
    const group = uniqueName('garbage');
    const answers = ['commit', 'MAYBE', undefined, { state: 'COMMIT' }];
    let asked = 0;
    const checker: CheckerResolver = { check: async () => answers[asked++] as LocalTransactionState };
    const service = createPrismaHalfCheckService(outbox, { checker, checkImmunityMs: 0, checkIntervalMs: 1, pollIntervalMs: 25, maxChecks: 10 });
    const sent = await outbox.sendHalf({ topic: 'g', value: 1, producerGroup: group }, async () => 'UNKNOWN');
    for (let check = 1; check <= answers.length; check += 1) {
      await waitFor(async () => (await service.checkOnce()) > 0, `check ${check}`);
      const row = await prisma.outboxMessage.findUniqueOrThrow({ where: { id: sent.messageId } });
      expect(row).toMatchObject({ status: 'HALF', checkCount: check });
      expect(row.lastError).toMatch(/COMMIT, ROLLBACK or UNKNOWN/);
    }
    expect(service.stats.checks).toMatchObject({ ERROR: answers.length, ROLLBACK: 0, COMMIT: 0 });
    await resolveHalf(sent.messageId, 'ROLLBACK', { outbox });
  });

  it('a decision clears the parking marks; a parked row shows no next check; check_count keeps the checks used', async () => {
    const group = uniqueName('parking');
    const registry = new CheckerRegistry();
    registry.register(group, () => 'UNKNOWN');
    const service = createPrismaHalfCheckService(outbox, { checker: registry, checkImmunityMs: 0, checkIntervalMs: 1, pollIntervalMs: 25, maxChecks: 2 });
    const admin = sqlOutboxAdmin(outbox.executor).half;
    const byOperator = await outbox.sendHalf({ topic: 'p', value: 1, producerGroup: group }, async () => 'UNKNOWN');
    const byProducer = await outbox.sendHalf({ topic: 'p', value: 2, producerGroup: group }, async () => 'UNKNOWN');
    const ids = [byOperator.messageId, byProducer.messageId];
    const rows = () => prisma.outboxMessage.findMany({ where: { id: { in: ids } } });
    await waitFor(async () => {
      await service.checkOnce();
      return (await rows()).every((row) => row.parkedAt !== null);
    }, 'both messages parked');

    const parked = (await admin.parked()).filter((m) => ids.includes(m.id));
    expect(parked).toHaveLength(2);
    for (const message of parked) expect(message).toMatchObject({ parked: true, nextCheckAt: null, checkCount: 2 });
    for (const row of await rows()) expect(row.nextCheckAt).toBeNull();

    expect(await admin.commit([byOperator.messageId])).toEqual([{ id: byOperator.messageId, ok: true }]);
    await resolveHalf(byProducer.messageId, 'ROLLBACK', { outbox });
    for (const row of await rows()) {
      expect(row).toMatchObject({ parkedAt: null, nextCheckAt: null, checkCount: 2 });
      expect(row.status).toBe(row.id === byOperator.messageId ? 'READY' : 'ROLLED_BACK');
    }
  });
});
