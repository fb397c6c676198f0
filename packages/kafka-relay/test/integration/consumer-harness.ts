import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { IHeaders } from 'kafkajs';
import { afterEach } from 'vitest';
import { silentLogger, type InboxHandlerContext } from '@outboxkit/core';
import { createInboxConsumer, type InboxConsumer, type InboxConsumerOptions } from '@outboxkit/kafka-relay';
import type { PrismaOutbox } from '@outboxkit/prisma-adapter';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import type { PrismaClient } from '@outboxkit/test-support/prisma';
import { kafkaClient, topicRecordCount, type ReadRecord } from '@outboxkit/test-support/kafka';
import { openRelayFixture, useRelayFixture, type RelayFixture } from '@outboxkit/test-support/relay-fixture';

/**
 * Shared by the consumer integration tests: a fresh database with an effect table that has NO
 * unique constraint (so a handler applied twice shows up as two rows), a producer for raw
 * records, and a handler that writes one effect row in the inbox transaction.
 */
export const EFFECT_TABLE_SQL = `CREATE TABLE consumer_effect (
  id bigserial PRIMARY KEY,
  consumer text NOT NULL,
  message_id text NOT NULL,
  payload jsonb,
  attempt int NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`;

export interface ConsumerTestDatabase {
  url: string;
  prisma: PrismaClient;
  outbox: PrismaOutbox<PrismaClient>;
  effects(consumer?: string): Promise<Array<{ consumer: string; message_id: string; payload: unknown; attempt: number }>>;
  close(): Promise<void>;
}

/** The file's consumer database, made before its tests and dropped after them (useRelayFixture). */
export function useConsumerTestDatabase(prefix: string): ConsumerTestDatabase {
  return consumerDatabaseOf(useRelayFixture({ prefix, schema: [EFFECT_TABLE_SQL] }));
}

/** A consumer database opened now; the caller closes it. */
export async function consumerTestDatabase(prefix: string): Promise<ConsumerTestDatabase> {
  return consumerDatabaseOf(await openRelayFixture({ prefix, schema: [EFFECT_TABLE_SQL] }));
}

function consumerDatabaseOf({ database, prisma, outbox, close }: RelayFixture): ConsumerTestDatabase {
  return {
    url: database.url,
    prisma,
    outbox,
    effects: (consumer) =>
      consumer
        ? prisma.$queryRawUnsafe(`SELECT consumer, message_id, payload, attempt FROM consumer_effect WHERE consumer = $1 ORDER BY id`, consumer)
        : prisma.$queryRawUnsafe(`SELECT consumer, message_id, payload, attempt FROM consumer_effect ORDER BY id`),
    close,
  };
}

/** Short fetch waits and a quick session: a test's consumer joins, rebalances and leaves in about a second. */
export const FAST_CONSUMER = { maxWaitTimeInMs: 100, sessionTimeout: 6_000, heartbeatInterval: 500 };

export type TestConsumerOptions = Omit<InboxConsumerOptions, 'outbox' | 'brokers'>;

/**
 * The inbox consumers of a test file, on `db`'s outbox and the run's broker, reading from the
 * beginning, quiet, without receipt pruning, fast (FAST_CONSUMER) and with the file's `defaults`;
 * every one made is stopped after the test (an afterEach) unless taken out of `running`.
 */
export function useInboxConsumers(db: ConsumerTestDatabase, defaults: Partial<TestConsumerOptions> = {}) {
  const running: InboxConsumer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
  });
  const newConsumer = (options: TestConsumerOptions): InboxConsumer => {
    const consumer = createInboxConsumer({
      outbox: db.outbox,
      brokers: kafkaBrokers(),
      fromBeginning: true,
      retention: false,
      logger: silentLogger,
      consumer: FAST_CONSUMER,
      ...defaults,
      ...options,
    });
    running.push(consumer);
    return consumer;
  };
  const startConsumer = async (options: TestConsumerOptions): Promise<InboxConsumer> => {
    const consumer = newConsumer(options);
    await consumer.start();
    return consumer;
  };
  return { newConsumer, startConsumer, running };
}

/** A handler body that records its effect in the inbox transaction. */
export async function writeEffect(consumer: string, ctx: InboxHandlerContext<unknown, any>): Promise<void> {
  await ctx.tx.$executeRawUnsafe(
    `INSERT INTO consumer_effect (consumer, message_id, payload, attempt) VALUES ($1, $2, $3::jsonb, $4)`,
    consumer,
    ctx.messageId,
    JSON.stringify(ctx.value ?? null),
    ctx.attempt,
  );
}

export interface RawRecord {
  key?: string | null;
  value: string | null;
  headers?: IHeaders;
  partition?: number;
}

/** Produces raw records (acks=all) in one request, in order. */
export async function produce(topic: string, records: RawRecord[]): Promise<void> {
  const producer = kafkaClient().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key ?? null, value: r.value, headers: r.headers ?? {}, partition: r.partition ?? 0 })) });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Every record the topic holds now (as test/support's readTopic), with short fetch waits so the
 * reader's disconnect does not sit out a 5 s long poll.
 */
export async function readRecords(topic: string, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const total = await topicRecordCount(topic);
  if (total === 0) return [];
  const consumer = kafkaClient().consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? String(value[0]) : value.toString();
        }
        records.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
      },
    });
    await waitFor(() => records.length >= total, `${total} records of ${topic}`, timeoutMs);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** The group's committed offsets of a topic, summed over partitions (-1 counts as 0). */
export async function committedOffset(groupId: string, topic: string): Promise<number> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function waitFor(predicate: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ChildProcessHandle {
  child: ChildProcess;
  lines: () => Array<Record<string, unknown>>;
  output: () => string;
  waitForLine: (predicate: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number) => Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a TypeScript file with the repo's tsx, from the repo root; collects JSON lines on stdout. */
export function runTsx(script: string, env: Record<string, string>): ChildProcessHandle {
  const child = spawn(`${REPO_ROOT}node_modules/.bin/tsx`, [script], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return track(child);
}

/** Runs a built CLI with node. */
export function runNode(script: string, args: string[], env: Record<string, string>): ChildProcessHandle {
  const child = spawn(process.execPath, [script, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return track(child);
}

function track(child: ChildProcess): ChildProcessHandle {
  let output = '';
  const lines: Array<Record<string, unknown>> = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('{')) {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not one of ours
        }
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));
  return {
    child,
    lines: () => lines,
    output: () => output,
    exited,
    waitForLine: async (predicate, what, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = lines.find(predicate);
        if (found) return found;
        if (exitedYet) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no line for ${what}; process output:\n${output}`);
    },
  };
}
