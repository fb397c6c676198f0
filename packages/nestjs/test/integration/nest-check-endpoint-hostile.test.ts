import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckerRegistry, silentLogger } from '@outboxkit/core';
import {
  CHECK_SIGNATURE_HEADER,
  CHECK_TIMESTAMP_HEADER,
  encodeCheckRequest,
  newMessageId,
  signCheckRequest,
} from '@outboxkit/core/internal';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';
import { uniqueName } from '@outboxkit/test-support/servers';
import { createPrismaOutbox } from '@outboxkit/prisma-adapter';
import { OutboxModule } from '@outboxkit/nestjs';

/**
 * Hostile input at the Nest check endpoint (the rest of the half-message cases are in
 * test/integration/hostile/half.test.ts): what is not a signed POST to its path never reaches a
 * checker, and a checker's error text never reaches the caller. Nothing changes in the database.
 */
const SECRET = 'hostile-nest-secret-0123456789';
const GROUP = uniqueName('hostile_nest');
const LEAK = 'postgres://app:nest-pw-9@10.1.2.3/orders';

let db: OutboxTestDatabase;
let app: INestApplication;
let base: string;
let asked = 0;

beforeAll(async () => {
  db = await openOutboxTestDatabase('ok_hostile_nest');
  await db.outbox.sendHalf({ topic: 'hostile.nest', value: 1, producerGroup: GROUP }, async () => 'UNKNOWN');
  const registry = new CheckerRegistry();
  registry.register(GROUP, () => {
    asked += 1;
    throw new Error(`query failed on ${LEAK}`);
  });
  const module = OutboxModule.forRoot({
    outbox: createPrismaOutbox(db.prisma, { logger: silentLogger, registerAsDefault: false }),
    checkerRegistry: registry,
    discoverCheckers: false,
    checkEndpoint: { secret: SECRET, logger: silentLogger },
  });
  app = await NestFactory.create(module, { logger: false, rawBody: true });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
});

afterAll(async () => {
  await app?.close();
  await closeOutboxTestDatabase(db ?? {});
});

async function snapshot() {
  const rows = await db.prisma.outboxMessage.findMany({ orderBy: { id: 'asc' } });
  return rows.map(({ id, status, seq, checkCount, parkedAt, nextCheckAt, lastError }) => ({ id, status, seq, checkCount, parkedAt, nextCheckAt, lastError }));
}

function signedPost(): RequestInit {
  const text = encodeCheckRequest({
    id: newMessageId(), topic: 't', key: null, value: 1, type: null, headers: {}, producerGroup: GROUP, transactionId: 'tx', checkCount: 0, createdAt: new Date(),
  });
  const { timestamp, signature } = signCheckRequest(SECRET, text);
  return { method: 'POST', headers: { 'content-type': 'application/json', [CHECK_TIMESTAMP_HEADER]: timestamp, [CHECK_SIGNATURE_HEADER]: signature }, body: text };
}

describe('the Nest check endpoint', () => {
  it.each<[string, () => [string, RequestInit]]>([
    ['a signed request to a wrong path', () => ['/outboxkit/chek', signedPost()]],
    ['a GET on the check path', () => ['/outboxkit/check', { method: 'GET' }]],
    ['a DELETE on the check path', () => ['/outboxkit/check', { method: 'DELETE' }]],
  ])('%s: 404, never routed to a checker', async (_case, request) => {
    const before = await snapshot();
    const askedBefore = asked;
    const [path, init] = request();
    const response = await fetch(`${base}${path}`, init);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('OUTBOX_');
    expect(asked).toBe(askedBefore);
    expect(await snapshot()).toEqual(before);
  });

  it('a checker whose error holds a password: 500 with a generic code; the password stays in the application', async () => {
    const before = await snapshot();
    const response = await fetch(`${base}/outboxkit/check`, signedPost());
    const body = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(body)).toMatchObject({
      code: 'OUTBOX_CHECKER_FAILED',
      error: expect.stringMatching(/the checker failed; the details are in the application's log \(ref [0-9a-f]{16}\)/),
    });
    expect(body).not.toMatch(/nest-pw-9|10\.1\.2\.3|postgres:/);
    expect(asked).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
  });

  it('a replayed request: 401 OUTBOX_CHECK_REPLAYED, the checker asked once', async () => {
    const request = signedPost();
    const askedBefore = asked;
    expect((await fetch(`${base}/outboxkit/check`, request)).status).toBe(500);
    const before = await snapshot();
    const replayed = await fetch(`${base}/outboxkit/check`, request);
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ code: 'OUTBOX_CHECK_REPLAYED', error: expect.stringMatching(/send a newly signed request/) });
    expect(asked).toBe(askedBefore + 1);
    expect(await snapshot()).toEqual(before);
  });
});
