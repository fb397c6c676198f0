import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CheckerFailedError,
  CheckerRegistry,
  CheckerUnavailableError,
  createCheckerHandler,
  InvalidConfigError,
  silentLogger,
  type HalfMessageView,
} from '@outboxkit/core';
import { halfMessagesFromEnv } from '../cli/half-env.js';
import { HttpCheckerClient } from './http-checker-client.js';

const SECRET = 'unit-test-shared-secret';
const message: HalfMessageView = {
  id: '0190a6f2-0000-7000-8000-000000000001', topic: 't', key: 'k', value: new Uint8Array([7, 8]), type: null,
  headers: { a: 'b' }, producerGroup: 'g', transactionId: 'tx', checkCount: 3, createdAt: new Date(),
};
const servers: Array<{ close(cb: () => void): void }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`;
}

const client = (url: string, secret = SECRET) => new HttpCheckerClient({ url, secret, timeoutMs: 300, retries: 2, retryDelayMs: 5, logger: silentLogger });

describe('HttpCheckerClient with createCheckerHandler', () => {
  it('asks the application\'s checker, message intact, over a signed request', async () => {
    const registry = new CheckerRegistry();
    const seen: HalfMessageView[] = [];
    registry.register('g', (m) => (seen.push(m), 'ROLLBACK'));
    const url = await serve(createCheckerHandler({ secret: SECRET, checkers: registry, logger: silentLogger }));
    await expect(client(url).check(message)).resolves.toBe('ROLLBACK');
    expect(seen[0]).toMatchObject({ id: message.id, key: 'k', headers: { a: 'b' }, transactionId: 'tx', checkCount: 3 });
    expect([...(seen[0]!.value as Uint8Array)]).toEqual([7, 8]);
  });

  it('maps answers: a throwing checker counts, no checker / wrong secret / no server do not', async () => {
    const registry = new CheckerRegistry();
    registry.register('g', () => {
      throw new Error('lookup failed');
    });
    const handler = createCheckerHandler({ secret: SECRET, checkers: registry, logger: silentLogger });
    const url = await serve(handler);
    await expect(client(url).check(message)).rejects.toBeInstanceOf(CheckerFailedError);
    await expect(client(url).check({ ...message, producerGroup: 'other' })).rejects.toBeInstanceOf(CheckerUnavailableError);
    await expect(client(url, 'another-secret-of-length').check(message)).rejects.toThrow(/refused the signature/);
    await expect(client('http://127.0.0.1:1/check').check(message)).rejects.toBeInstanceOf(CheckerUnavailableError);
  });

  it('retries past an instance without the checker and past a timeout', async () => {
    let calls = 0;
    const registry = new CheckerRegistry();
    registry.register('g', () => 'COMMIT');
    const good = createCheckerHandler({ secret: SECRET, checkers: registry, logger: silentLogger });
    const url = await serve((req, res) => {
      calls += 1;
      if (calls === 1) return void res.writeHead(404).end('{"error":"no checker","code":"OUTBOX_CHECKER_UNAVAILABLE"}');
      if (calls === 2) return; // never answers: times out
      good(req, res);
    });
    await expect(client(url).check(message)).resolves.toBe('COMMIT');
    expect(calls).toBe(3);
  });

  it('signs every request anew: the same message asked many times at once is never taken for a replay', async () => {
    const registry = new CheckerRegistry();
    registry.register('g', () => 'UNKNOWN');
    const url = await serve(createCheckerHandler({ secret: SECRET, checkers: registry, logger: silentLogger }));
    const checker = new HttpCheckerClient({ url, secret: SECRET, timeoutMs: 5_000, retries: 0, logger: silentLogger });
    const answers = await Promise.all(Array.from({ length: 20 }, () => checker.check(message)));
    expect(answers).toEqual(Array(20).fill('UNKNOWN'));
  });

  it('gets a generic failure from the endpoint, never the checker\'s own error text', async () => {
    const registry = new CheckerRegistry();
    registry.register('g', () => {
      throw new Error('db at postgres://app:pw-123@10.0.0.5/orders is down');
    });
    const url = await serve(createCheckerHandler({ secret: SECRET, checkers: registry, logger: silentLogger }));
    const failure = (await client(url).check(message).catch((error: unknown) => error)) as CheckerFailedError;
    expect(failure).toBeInstanceOf(CheckerFailedError);
    expect(failure.message).toMatch(/application's log \(ref [0-9a-f]{16}\)/);
    expect(failure.message).not.toMatch(/pw-123|10\.0\.0\.5|postgres/);
  });

  it('refuses a bad configuration early', () => {
    expect(() => new HttpCheckerClient({ url: 'http://x', secret: 'short' })).toThrow(InvalidConfigError);
    expect(() => new HttpCheckerClient({ secret: SECRET })).toThrow(/checker endpoint/);
    expect(() => new HttpCheckerClient({ url: 'ftp://x', secret: SECRET })).toThrow(/http/);
  });
});

describe('halfMessagesFromEnv', () => {
  it('reads timings and the checker endpoint; off turns the back-check off', () => {
    expect(halfMessagesFromEnv({ OUTBOX_HALF_CHECKS: 'off' }, undefined)).toBe(false);
    const options = halfMessagesFromEnv(
      { OUTBOX_CHECKER_URL: 'http://app/check', OUTBOX_CHECKER_SECRET: SECRET, OUTBOX_CHECK_IMMUNITY_MS: '100', OUTBOX_MAX_CHECKS: '3' },
      silentLogger,
    );
    expect(options).toMatchObject({ checkImmunityMs: 100, maxChecks: 3 });
    expect((options as { checker: HttpCheckerClient }).checker).toBeInstanceOf(HttpCheckerClient);
    const perGroup = halfMessagesFromEnv({ OUTBOX_CHECKER_URLS: 'pay=http://pay/c, ship=http://ship/c', OUTBOX_CHECKER_SECRET: SECRET }, silentLogger);
    expect(((perGroup as { checker: HttpCheckerClient }).checker).urlFor('ship')).toBe('http://ship/c');
    expect(() => halfMessagesFromEnv({ OUTBOX_CHECKER_URL: 'http://app/check' }, undefined)).toThrow(/OUTBOX_CHECKER_SECRET/);
    expect(() => halfMessagesFromEnv({ OUTBOX_MAX_CHECKS: 'many' }, undefined)).toThrow(/OUTBOX_MAX_CHECKS/);
  });
});
