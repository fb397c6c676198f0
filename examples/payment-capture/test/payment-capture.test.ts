import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBrokers } from '@outboxkit/test-support/servers';
import { readTopic } from '@outboxkit/test-support/kafka';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { startRelayProcess, type RelayProcess } from '@outboxkit/test-support/relay-process';
import { startPaymentProvider, type PaymentProvider } from '../src/payment-provider.js';

/**
 * Runs the example as it is meant to run: the payment service (Express, its own process), the
 * relay sidecar (the outbox-relay CLI, its own process) that reaches the service's checker over
 * HTTP, a fake payment provider, real PostgreSQL and Kafka.
 */
const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const SECRET = 'payment-capture-example-secret';

const {
  database,
  prisma,
  topics: [topic],
} = useRelayFixture({ prefix: 'ok_payments', topics: [{ prefix: 'payments.captured', partitions: 3 }] });
let provider: PaymentProvider;
let service: ChildProcess;
let serviceUrl: string;
let relay: RelayProcess;

beforeAll(async () => {
  // The provider answers "slow" captures after 1.5 s; the service gives up after 0.5 s.
  provider = await startPaymentProvider({ slowMs: 1_500 });

  service = spawn(TSX, ['src/server.ts'], {
    cwd: EXAMPLE,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      PROVIDER_URL: provider.url,
      PROVIDER_TIMEOUT_MS: '500',
      OUTBOX_CHECKER_SECRET: SECRET,
      PAYMENTS_TOPIC: topic,
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  service.stderr!.on('data', (c: Buffer) => (stderr += c));
  serviceUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    service.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /"event":"listening","port":(\d+)/.exec(out);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    service.on('exit', (code) => reject(new Error(`the payment service exited (${code}):\n${stderr}`)));
  });

  relay = startRelayProcess({
    DATABASE_URL: database.url,
    KAFKA_BROKERS: kafkaBrokers().join(','),
    OUTBOX_CHECKER_URL: `${serviceUrl}/outboxkit/check`,
    OUTBOX_CHECKER_SECRET: SECRET,
    OUTBOX_CHECK_IMMUNITY_MS: '500',
    OUTBOX_CHECK_INTERVAL_MS: '300',
    OUTBOX_CHECK_POLL_MS: '100',
  });
  await relay.ready;
});

afterAll(async () => {
  relay?.child.kill('SIGTERM');
  await relay?.exited;
  service?.kill('SIGTERM');
  await provider?.close();
});

async function pay(orderId: string, behaviour: 'ok' | 'decline' | 'slow') {
  const response = await fetch(`${serviceUrl}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId, amount: 42, behaviour }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('examples/payment-capture', () => {
  it('publishes captured payments, drops declined ones, and settles timed-out ones with the provider', async () => {
    const captured = await pay('order-ok', 'ok');
    const declined = await pay('order-declined', 'decline');
    const pending = await pay('order-slow', 'slow');
    expect(captured).toMatchObject({ status: 201, body: { status: 'captured' } });
    expect(declined).toMatchObject({ status: 402, body: { status: 'declined' } });
    expect(pending).toMatchObject({ status: 202, body: { status: 'pending' } });

    // The slow capture did happen at the provider; the relay's back-check finds out through the
    // service's checker, and publishes it.
    const deadline = Date.now() + 30_000;
    let rows = await prisma.outboxMessage.findMany({ where: { topic } });
    while (Date.now() < deadline && !(rows.length === 3 && rows.every((r) => r.status === 'PUBLISHED' || r.status === 'ROLLED_BACK'))) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await prisma.outboxMessage.findMany({ where: { topic } });
    }
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(byKey['order-ok']?.status).toBe('PUBLISHED');
    expect(byKey['order-declined']?.status).toBe('ROLLED_BACK');
    expect(byKey['order-slow']?.status).toBe('PUBLISHED');
    expect(byKey['order-slow']?.lastError).toMatch(/committed by the checker/);
    expect(provider.captures.size).toBe(3);

    const records = await readTopic(topic);
    expect(records.map((r) => r.key).sort()).toEqual(['order-ok', 'order-slow']);
    expect(records.every((r) => r.headers['outboxkit-producer-group'] === 'payments')).toBe(true);
  });
});
