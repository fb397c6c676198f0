// Helpers shared by the relay-*.test.ts files: writers that record commit order,
// relay processes, and readers that check per-key order on what Kafka holds.
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { send } from '@outboxkit/core';
import type { PrismaOutbox } from '@outboxkit/prisma-adapter';
import type { PrismaClient } from '@outboxkit/test-support/prisma';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { startRelayProcess, type RelayProcess } from '@outboxkit/test-support/relay-process';
import { topicRecordCount, toReadRecord, type ReadRecord } from '@outboxkit/test-support/kafka';

export type { ReadRecord };

import { sleep } from '@outboxkit/test-support/wait';
export { sleep, waitFor } from '@outboxkit/test-support/wait';

export async function sql<R = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Per-key counters, incremented under the row lock in the business transaction: n follows commit order. */
/** The writers' per-key counters (writeCounted, writeConcurrently). */
export const COUNTER_TABLE_SQL = 'CREATE TABLE IF NOT EXISTS key_counter (key text PRIMARY KEY, n int NOT NULL)';

export async function createCounterTable(url: string): Promise<void> {
  await sql(url, COUNTER_TABLE_SQL);
}

export interface CountedValue {
  key: string;
  n: number;
  writer: string;
}

/**
 * One business transaction sending one message per entry of `keys` (keys may repeat). Each
 * message carries `n`, its key's counter taken under a row lock in the same transaction, so for
 * every key the n values number the messages in commit order: 1, 2, 3, …
 */
export async function writeCounted(outbox: PrismaOutbox<PrismaClient>, topic: string, keys: string[], writer: string): Promise<string[]> {
  return outbox.transaction(async () => {
    const tx = outbox.transactionClient();
    // Lock counters in key order (no deadlocks between writers), occurrences in send order.
    const order = keys.map((key, index) => ({ key, index })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
    const n = new Array<number>(keys.length);
    for (const { key, index } of order) {
      const rows = (await tx.$queryRawUnsafe(
        'INSERT INTO key_counter (key, n) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET n = key_counter.n + 1 RETURNING n',
        key,
      )) as Array<{ n: number }>;
      n[index] = Number(rows[0]!.n);
    }
    return keys.map((key, index) => send({ topic, key, value: { key, n: n[index]!, writer } satisfies CountedValue }));
  }, WRITER_TRANSACTION);
}

/**
 * The writers stand in for the application; the suites judge the relay. On a loaded machine a
 * writer can wait longer than Prisma's defaults (2 s for a connection, 5 s for the transaction)
 * behind the other writers' key locks and the relays' connections, and a writer that gave up
 * would fail a test of the relay for nothing the relay did.
 */
const WRITER_TRANSACTION = { maxWaitMs: 60_000, timeoutMs: 60_000 } as const;

/**
 * `writers` concurrent writers, each committing `transactions` transactions of
 * `size(transaction, writer)` messages over random keys (a key may repeat within one).
 * Returns the committed message ids.
 */
export async function writeConcurrently(
  outbox: PrismaOutbox<PrismaClient>,
  topic: string,
  keys: readonly string[],
  options: { writers: number; transactions: number; size: (transaction: number, writer: number) => number },
): Promise<string[]> {
  const committed: string[] = [];
  const writers = Array.from({ length: options.writers }, async (_, w) => {
    for (let t = 0; t < options.transactions; t += 1) {
      const picked = Array.from({ length: options.size(t, w) }, () => keys[Math.floor(Math.random() * keys.length)]!);
      committed.push(...(await writeCounted(outbox, topic, picked, `w${w}`)));
    }
  });
  await Promise.all(writers);
  return committed;
}

/** Every record the topic holds now (count from the watermarks), from the given brokers. */
export async function readAll(topic: string, brokers: string[] = kafkaBrokers(), timeoutMs = 60_000): Promise<ReadRecord[]> {
  const kafka = new Kafka({ clientId: uniqueName('reader'), brokers, logLevel: logLevel.NOTHING });
  const total = await topicRecordCount(topic, brokers);
  if (total === 0) return [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), sessionTimeout: 10_000 });
  const records: ReadRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void records.push(toReadRecord(partition, message)) });
  const deadline = Date.now() + timeoutMs;
  try {
    while (records.length < total && Date.now() < deadline) await sleep(50);
  } finally {
    await consumer.disconnect();
  }
  if (records.length < total) throw new Error(`read ${records.length} of ${total} records of ${topic}`);
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

export const MESSAGE_ID = 'outboxkit-message-id';

/** First delivery of each message id, in log order (what a deduping consumer sees). */
export function firstDeliveries(records: ReadRecord[]): ReadRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const id = r.headers[MESSAGE_ID]!;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * For every key, the counter values of its first deliveries, in log order, must be 1, 2, …, n:
 * the order Kafka holds equals the commit order, with nothing missing. Returns the problems.
 */
export function commitOrderProblems(records: ReadRecord[]): string[] {
  const byKey = new Map<string, number[]>();
  for (const record of firstDeliveries(records)) {
    const value = JSON.parse(record.value!) as CountedValue;
    let list = byKey.get(value.key);
    if (!list) byKey.set(value.key, (list = []));
    list.push(value.n);
  }
  const problems: string[] = [];
  for (const [key, ns] of byKey) {
    const bad = ns.findIndex((n, i) => n !== i + 1);
    if (bad >= 0) problems.push(`key ${key}: position ${bad} holds n=${ns[bad]} (sequence starts ${ns.slice(Math.max(0, bad - 3), bad + 3).join(',')})`);
  }
  return problems;
}

export interface StartedRelay extends RelayProcess {
  instanceId: string;
  httpPort: number | undefined;
  /** Parsed JSON log lines. */
  logs: () => Array<Record<string, unknown>>;
}

/** Starts the relay CLI and waits for "relay ready"; the instance id and ops port come from that line. */
export async function startRelay(env: Record<string, string>): Promise<StartedRelay> {
  const relay = startRelayProcess(env);
  await relay.ready;
  const logs = () =>
    relay
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const ready = logs().find((l) => l.msg === 'relay ready')!;
  return { ...relay, instanceId: String(ready.instanceId), httpPort: ready.httpPort === undefined ? undefined : Number(ready.httpPort), logs };
}

export async function stopRelay(relay: RelayProcess, signal: NodeJS.Signals = 'SIGTERM') {
  if (relay.child.exitCode !== null || relay.child.signalCode !== null) return relay.exited;
  relay.child.kill(signal);
  const timer = setTimeout(() => relay.child.kill('SIGKILL'), 20_000);
  const result = await relay.exited;
  clearTimeout(timer);
  return result;
}

/** The env every relay process of these tests gets: short leases and polls so tests stay quick. */
export function relayEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: kafkaBrokers().join(','),
    OUTBOX_LEASE_MS: '3000',
    OUTBOX_PARTITIONS: '16',
    OUTBOX_MAX_IDLE_MS: '250',
    OUTBOX_BACKOFF_MAX_MS: '1000',
    ...extra,
  };
}

export async function statusCounts(url: string, topic: string): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }>(url, 'SELECT status, count(*)::int AS n FROM outbox_message WHERE topic = $1 GROUP BY status', [topic]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
