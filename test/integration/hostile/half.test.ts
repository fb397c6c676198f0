import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckerRegistry,
  createCheckerHandler,
  HalfMessageAlreadyResolvedError,
  HalfMessageInTransactionError,
  HalfMessageNotFoundError,
  InvalidConfigError,
  InvalidHalfDecisionError,
  InvalidMessageError,
  InvalidMessageIdError,
  MessageSerializationError,
  OutboxError,
  resolveHalf,
  sendHalf,
  silentLogger,
  type HalfMessageView,
  type HalfSendResult,
  type LocalTransaction,
} from '@outboxkit/core';
import {
  CHECK_SIGNATURE_HEADER,
  CHECK_TIMESTAMP_HEADER,
  encodeCheckRequest,
  newMessageId,
  signCheckRequest,
  sqlOutboxAdmin,
} from '@outboxkit/core/internal';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';
import { uniqueName } from '@outboxkit/test-support/servers';

/**
 * Hostile and mistaken input at the half-message boundaries: `resolveHalf` and the operator's
 * actions, `sendHalf`, and the sidecar check endpoint on a real HTTP server (the Nest controller's
 * cases are in packages/prisma-adapter/test/integration/nest-check-endpoint-hostile.test.ts, where
 * Nest is installed). Each case is refused with a typed error (class and code) or an HTTP status with
 * outboxkit's own error code, says what was wrong and what to do, and changes nothing in the
 * database. (docs/guarantees.md §4.7)
 */
const SECRET = 'hostile-half-secret-0123456789';
const GROUP = uniqueName('hostile');

let db: OutboxTestDatabase;
let undecided: HalfSendResult;
let committed: HalfSendResult;

/** Every outbox row, as far as a decision could change it. */
async function snapshot() {
  const rows = await db.prisma.outboxMessage.findMany({ orderBy: { id: 'asc' } });
  return rows.map(({ id, status, seq, checkCount, parkedAt, nextCheckAt, lastError }) => ({ id, status, seq, checkCount, parkedAt, nextCheckAt, lastError }));
}

async function expectRefused(run: () => Promise<unknown>, type: abstract new (...args: never[]) => OutboxError, code: string, says: RegExp) {
  const before = await snapshot();
  const error = await run().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(type);
  expect(error).toMatchObject({ code });
  expect((error as Error).message).toMatch(says);
  expect(await snapshot()).toEqual(before);
}

beforeAll(async () => {
  db = await openOutboxTestDatabase('ok_hostile_half');
  undecided = await db.outbox.sendHalf({ topic: 'hostile.half', key: 'k', value: 1, producerGroup: GROUP }, async () => 'UNKNOWN');
  committed = await db.outbox.sendHalf({ topic: 'hostile.half', key: 'k', value: 2, producerGroup: GROUP }, async () => 'COMMIT');
});

afterAll(async () => {
  await closeOutboxTestDatabase(db ?? {});
});

describe('resolveHalf and the operator actions refuse what they cannot apply', () => {
  const undecidedId = () => undecided.messageId;
  it.each([
    ['an unknown decision', () => [undecidedId(), 'MAYBE'], InvalidHalfDecisionError, 'OUTBOX_INVALID_HALF_DECISION', /"MAYBE".*Pass "COMMIT" or "ROLLBACK"/],
    ['a lower-case "commit"', () => [undecidedId(), 'commit'], InvalidHalfDecisionError, 'OUTBOX_INVALID_HALF_DECISION', /upper case: "COMMIT".*nothing was changed/],
    ['a lower-case "rollback"', () => [undecidedId(), 'rollback'], InvalidHalfDecisionError, 'OUTBOX_INVALID_HALF_DECISION', /upper case: "ROLLBACK"/],
    ['UNKNOWN, which is no decision', () => [undecidedId(), 'UNKNOWN'], InvalidHalfDecisionError, 'OUTBOX_INVALID_HALF_DECISION', /UNKNOWN is not a decision.*back-check/],
    ['no decision at all', () => [undecidedId(), undefined], InvalidHalfDecisionError, 'OUTBOX_INVALID_HALF_DECISION', /undefined.*Pass "COMMIT" or "ROLLBACK"/],
    ['a boolean decision', () => [undecidedId(), true], InvalidHalfDecisionError, 'OUTBOX_INVALID_HALF_DECISION', /true.*Pass "COMMIT" or "ROLLBACK"/],
    ['an id that is not a UUID', () => ['not-a-uuid', 'COMMIT'], InvalidMessageIdError, 'OUTBOX_INVALID_MESSAGE_ID', /"not-a-uuid".*pass the messageId sendHalf returned/],
    ['an empty id', () => ['', 'ROLLBACK'], InvalidMessageIdError, 'OUTBOX_INVALID_MESSAGE_ID', /Not a message id: "".*UUID/],
    ['SQL in the id', () => ["x' OR 1=1 --", 'ROLLBACK'], InvalidMessageIdError, 'OUTBOX_INVALID_MESSAGE_ID', /OR 1=1.*UUID/],
    ['an id no message has', () => [newMessageId(), 'COMMIT'], HalfMessageNotFoundError, 'OUTBOX_HALF_NOT_FOUND', /nothing was decided\. Pass the messageId that sendHalf returned/],
    ['an unknown id to roll back', () => [newMessageId(), 'ROLLBACK'], HalfMessageNotFoundError, 'OUTBOX_HALF_NOT_FOUND', /database and table the message was written to/],
    ['a rollback after the commit', () => [committed.messageId, 'ROLLBACK'], HalfMessageAlreadyResolvedError, 'OUTBOX_HALF_ALREADY_RESOLVED', /already READY.*nothing was changed\. Reconcile/],
  ] as const)('resolveHalf with %s', async (_case, args, type, code, says) => {
    const [id, decision] = args();
    await expectRefused(() => resolveHalf(id as string, decision as never, { outbox: db.outbox }), type, code, says);
  });

  it('resolveHalf with a note PostgreSQL cannot store', async () => {
    await expectRefused(
      () => resolveHalf(undecided.messageId, 'ROLLBACK', { outbox: db.outbox, note: 'paid\u0000' }),
      InvalidConfigError,
      'OUTBOX_INVALID_CONFIG',
      /note: must be a string without NUL characters/,
    );
  });

  it.each([
    ['commit', ['not-a-uuid'], InvalidMessageIdError, 'OUTBOX_INVALID_MESSAGE_ID', /"not-a-uuid".*outbox-relay half list/],
    ['rollback', ['0190a6f2-0000-7000-8000-00000000000g'], InvalidMessageIdError, 'OUTBOX_INVALID_MESSAGE_ID', /Not a message id/],
    ['resume', [], InvalidConfigError, 'OUTBOX_INVALID_CONFIG', /give at least one message id/],
  ] as const)('the operator\'s %s with ids %j', async (action, ids, type, code, says) => {
    const admin = sqlOutboxAdmin(db.outbox.executor).half;
    await expectRefused(() => admin[action](ids as unknown as string[]), type, code, says);
  });

  it('the operator\'s commit of an unknown id reports NOT_FOUND and changes nothing', async () => {
    const before = await snapshot();
    const unknown = newMessageId();
    expect(await sqlOutboxAdmin(db.outbox.executor).half.commit([unknown])).toEqual([{ id: unknown, ok: false, status: 'NOT_FOUND' }]);
    expect(await snapshot()).toEqual(before);
  });
});

describe('sendHalf refuses bad input before writing the HALF row', () => {
  const base = { topic: 'hostile.half.send', value: { n: 1 }, producerGroup: GROUP };
  const unknown: LocalTransaction = async () => 'UNKNOWN';
  it.each([
    ['no producer group', { ...base, producerGroup: undefined }, unknown, {}, InvalidMessageError, 'OUTBOX_INVALID_MESSAGE', /producerGroup is required.*set it to the group/],
    ['a producer group of 256 characters', { ...base, producerGroup: 'g'.repeat(256) }, unknown, {}, InvalidMessageError, 'OUTBOX_INVALID_MESSAGE', /1 to 255 characters/],
    ['a negative check immunity', { ...base, checkImmunityMs: -1 }, unknown, {}, InvalidMessageError, 'OUTBOX_INVALID_MESSAGE', /checkImmunityMs must be a non-negative number of ms, got -1/],
    ['an empty transaction id', { ...base, transactionId: '' }, unknown, {}, InvalidMessageError, 'OUTBOX_INVALID_MESSAGE', /transactionId must be a non-empty string \(or leave it out/],
    ['an unknown local-transaction mode', base, unknown, { localTransaction: 'xa' }, InvalidConfigError, 'OUTBOX_INVALID_CONFIG', /must be "external" or "database", got "xa"/],
    ['a local step that is not a function', base, 'COMMIT', {}, InvalidConfigError, 'OUTBOX_INVALID_CONFIG', /local transaction: must be a function.*got string/],
    ['a value JSON cannot hold', { ...base, value: { n: 1n } }, unknown, {}, MessageSerializationError, 'OUTBOX_SERIALIZATION', /convert BigInt to string/],
    ['no topic', { ...base, topic: '' }, unknown, {}, InvalidMessageError, 'OUTBOX_INVALID_MESSAGE', /topic/],
  ] as const)('%s', async (_case, message, local, options, type, code, says) => {
    let ran = false;
    const step = typeof local === 'function' ? async () => ((ran = true), local({} as never)) : local;
    await expectRefused(() => sendHalf(message as never, step as never, { ...options, outbox: db.outbox } as never), type, code, says);
    expect(ran).toBe(false);
  });

  it('inside an open outbox transaction', async () => {
    await expectRefused(
      () => db.outbox.transaction(() => db.outbox.sendHalf(base, unknown)),
      HalfMessageInTransactionError,
      'OUTBOX_HALF_IN_TRANSACTION',
      /Call sendHalf outside the transaction, or use send\(\)/,
    );
  });
});

describe('the check endpoint refuses what the relay would never send', () => {
  let server: Server;
  let url: string;
  const asked: HalfMessageView[] = [];
  const view: HalfMessageView = {
    id: '0190a6f2-0000-7000-8000-000000000001', topic: 't', key: null, value: 1, type: null, headers: {},
    producerGroup: GROUP, transactionId: 'tx', checkCount: 0, createdAt: new Date('2026-01-01T00:00:00.000Z'),
  };
  const leak = 'https://svc:s3cr3t-pw@payments.internal/v1?token=tok-42';

  beforeAll(async () => {
    const registry = new CheckerRegistry();
    registry.register(GROUP, (message) => {
      asked.push(message);
      return 'UNKNOWN';
    });
    registry.register(`${GROUP}-throws`, () => {
      throw new Error(`cannot reach ${leak}`);
    });
    registry.register(`${GROUP}-garbage`, () => 'commit' as never);
    const handler = createCheckerHandler({ secret: SECRET, checkers: registry, maxBodyBytes: 16 * 1024, toleranceMs: 60_000, logger: silentLogger });
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/outboxkit/check`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const body = (overrides: Partial<HalfMessageView> = {}) => encodeCheckRequest({ ...view, ...overrides });
  const signedHeaders = (text: string, timestampMs = Date.now(), secret = SECRET) => {
    const { timestamp, signature } = signCheckRequest(secret, text, timestampMs);
    return { [CHECK_TIMESTAMP_HEADER]: timestamp, [CHECK_SIGNATURE_HEADER]: signature };
  };
  const post = (text: string, headers: Record<string, string>): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
  const replayed = post(body({ checkCount: 7 }), signedHeaders(body({ checkCount: 7 })));

  it.each([
    ['signed with another secret', () => { const t = body(); return post(t, signedHeaders(t, Date.now(), 'another-secret-0123456789')); }, 401, 'OUTBOX_CHECK_UNAUTHORIZED', /invalid signature: sign each request with the secret shared with the relay/],
    ['no signature headers', () => post(body(), {}), 401, 'OUTBOX_CHECK_UNAUTHORIZED', /missing signature.*OUTBOX_CHECKER_SECRET/],
    ['a signature without its timestamp', () => { const t = body(); return post(t, { [CHECK_SIGNATURE_HEADER]: signedHeaders(t)[CHECK_SIGNATURE_HEADER]! }); }, 401, 'OUTBOX_CHECK_UNAUTHORIZED', /missing signature/],
    ['a malformed signature', () => post(body(), { [CHECK_TIMESTAMP_HEADER]: String(Date.now()), [CHECK_SIGNATURE_HEADER]: 'v1=zz' }), 401, 'OUTBOX_CHECK_UNAUTHORIZED', /invalid signature/],
    ['a timestamp changed after signing', () => { const t = body(); return post(t, { ...signedHeaders(t), [CHECK_TIMESTAMP_HEADER]: String(Date.now() + 1) }); }, 401, 'OUTBOX_CHECK_UNAUTHORIZED', /invalid signature/],
    ['a body changed after signing', () => post(body({ checkCount: 1 }), signedHeaders(body())), 401, 'OUTBOX_CHECK_UNAUTHORIZED', /invalid signature/],
    ['a stale timestamp (10 minutes old)', () => { const t = body(); return post(t, signedHeaders(t, Date.now() - 600_000)); }, 401, 'OUTBOX_CHECK_STALE', /more than 60000 ms from this server's clock: sync the relay's and the application's clocks/],
    ['a timestamp 10 minutes ahead', () => { const t = body(); return post(t, signedHeaders(t, Date.now() + 600_000)); }, 401, 'OUTBOX_CHECK_STALE', /sync the relay's and the application's clocks/],
    ['a replayed request', () => replayed, 401, 'OUTBOX_CHECK_REPLAYED', /already received: each one is accepted once; send a newly signed request/],
    ['a signed body that is not JSON', () => post('{"protocol":1,', signedHeaders('{"protocol":1,')), 400, 'OUTBOX_BAD_CHECK_REQUEST', /the body is not JSON; the body must be what the relay's HttpCheckerClient sends/],
    ['a signed JSON null', () => post('null', signedHeaders('null')), 400, 'OUTBOX_BAD_CHECK_REQUEST', /not a JSON object/],
    ['another protocol version', () => post('{"protocol":2}', signedHeaders('{"protocol":2}')), 400, 'OUTBOX_BAD_CHECK_REQUEST', /unsupported protocol 2.*upgrade the older side/],
    ['a message without its id', () => { const t = '{"protocol":1,"message":{"id":1}}'; return post(t, signedHeaders(t)); }, 400, 'OUTBOX_BAD_CHECK_REQUEST', /message\.id must be a string/],
    ['an oversized body', () => { const t = 'x'.repeat(64 * 1024); return post(t, signedHeaders(t)); }, 413, 'OUTBOX_BODY_TOO_LARGE', /above 16384 bytes: raise maxBodyBytes/],
    ['a GET', () => ({ method: 'GET' }), 405, 'OUTBOX_METHOD_NOT_ALLOWED', /takes POST requests/],
    ['a PUT', () => ({ ...post(body(), signedHeaders(body())), method: 'PUT' }), 405, 'OUTBOX_METHOD_NOT_ALLOWED', /takes POST requests/],
    ['a checker whose error holds a password', () => { const t = body({ producerGroup: `${GROUP}-throws` }); return post(t, signedHeaders(t)); }, 500, 'OUTBOX_CHECKER_FAILED', /the checker failed; the details are in the application's log \(ref [0-9a-f]{16}\)/],
    ['a checker answering nonsense', () => { const t = body({ producerGroup: `${GROUP}-garbage` }); return post(t, signedHeaders(t)); }, 500, 'OUTBOX_CHECKER_FAILED', /the relay counts this check and asks again later/i],
  ] as const)('%s', async (name, request, status, code, says) => {
    if (name === 'a replayed request') expect((await fetch(url, replayed)).status).toBe(200);
    const before = await snapshot();
    const askedBefore = asked.length;
    const response = await fetch(url, request());
    const text = await response.text();
    expect(response.status).toBe(status);
    const answer = JSON.parse(text) as { error: string; code: string };
    expect(answer.code).toBe(code);
    expect(answer.error).toMatch(says);
    expect(text).not.toMatch(/s3cr3t|tok-42|payments\.internal|commit"/);
    expect(asked.length).toBe(askedBefore);
    expect(await snapshot()).toEqual(before);
  });
});
