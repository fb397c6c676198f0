import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../logger.js';
import { CheckerRegistry } from '../checker-registry.js';
import type { HalfMessageView } from '../checker-types.js';
import { encodeCheckRequest } from './check-protocol.js';
import { CHECK_SIGNATURE_HEADER, CHECK_TIMESTAMP_HEADER, signCheckRequest } from './check-signature.js';
import { createCheckerHandler, type CheckerHandlerOptions } from './checker-http-handler.js';

/** The check endpoint on a real local HTTP server (no mocks): what the caller gets back, what is logged. */
const SECRET = 'handler-spec-secret-0123456789';
const message: HalfMessageView = {
  id: '0190a6f2-0000-7000-8000-000000000001', topic: 't', key: null, value: 1, type: null, headers: {},
  producerGroup: 'g', transactionId: 'tx', checkCount: 0, createdAt: new Date('2026-01-01T00:00:00.000Z'),
};

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> } {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (m: string, fields?: Record<string, unknown>) => void lines.push({ level, message: m, ...(fields ? { fields } : {}) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function serve(options: CheckerHandlerOptions): Promise<string> {
  const handler = createCheckerHandler(options);
  const server = createServer((req, res) => handler(req, res));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`;
}

function signed(body: string, timestampMs = Date.now()): RequestInit {
  const { timestamp, signature } = signCheckRequest(SECRET, body, timestampMs);
  return { method: 'POST', headers: { [CHECK_TIMESTAMP_HEADER]: timestamp, [CHECK_SIGNATURE_HEADER]: signature }, body };
}

describe('createCheckerHandler', () => {
  it('never returns a checker\'s error text: a generic code to the caller, the detail (secrets redacted) in the log', async () => {
    const registry = new CheckerRegistry();
    registry.register('g', () => {
      throw new Error('cannot reach http://svc:hunter2-password@payments.internal:8443/v1/captures?token=abc123');
    });
    const logger = recordingLogger();
    const url = await serve({ secret: SECRET, checkers: registry, logger });
    const response = await fetch(url, signed(encodeCheckRequest(message)));
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).not.toMatch(/hunter2|payments\.internal|abc123|captures/);
    const body = JSON.parse(text) as { error: string; code: string; ref: string };
    expect(body.code).toBe('OUTBOX_CHECKER_FAILED');
    expect(body.error).toMatch(/application's log/);
    expect(body.ref).toMatch(/^[0-9a-f]{16}$/);

    const logged = logger.lines.find((line) => line.message === 'checker failed');
    expect(logged?.fields).toMatchObject({ messageId: message.id, producerGroup: 'g', ref: body.ref });
    const detail = JSON.stringify(logged?.fields);
    expect(detail).toContain('payments.internal');
    expect(detail).not.toContain('hunter2');
    expect(detail).not.toContain('abc123');
  });

  it('accepts each signed request once: a replay inside the window is refused with 401', async () => {
    const registry = new CheckerRegistry();
    let calls = 0;
    registry.register('g', () => (calls++, 'COMMIT'));
    const url = await serve({ secret: SECRET, checkers: registry, logger: recordingLogger() });
    const request = signed(encodeCheckRequest(message));
    expect((await fetch(url, request)).status).toBe(200);
    const replayed = await fetch(url, request);
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ code: 'OUTBOX_CHECK_REPLAYED' });
    expect(calls).toBe(1);
  });

  it('takes a shorter window when configured, and tells a stale request from a forged one', async () => {
    const registry = new CheckerRegistry();
    registry.register('g', () => 'COMMIT');
    const url = await serve({ secret: SECRET, checkers: registry, toleranceMs: 10_000, logger: recordingLogger() });
    const body = encodeCheckRequest(message);
    const stale = await fetch(url, signed(body, Date.now() - 20_000));
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ code: 'OUTBOX_CHECK_STALE' });
    expect((await fetch(url, signed(body, Date.now() - 2_000))).status).toBe(200);
  });
});
