import type { Admin } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { nudgeRelayAfterCommit } from '@outboxkit/core';
import type { PrismaOutbox } from '@outboxkit/prisma-adapter';
import { createTopic, kafkaClient } from './kafka.js';
import { quietOutbox } from './outbox-database.js';
import { createPrismaClient, type PrismaClient } from './prisma.js';
import { plannedDatabase, uniqueName, type TestDatabase } from './servers.js';

/** A topic a suite needs: a unique name is made from the prefix. */
export interface TopicSpec {
  prefix: string;
  /** 3 unless said. */
  partitions?: number;
}

type TopicSpecs = readonly TopicSpec[];

export interface RelayFixtureOptions<T extends TopicSpecs = TopicSpecs> {
  /** Prefix of the database's name (a random suffix makes it the file's own). */
  prefix: string;
  /** Topics made before the tests, each under a unique name from its prefix. */
  topics?: T;
  /** Statements for the suite's own tables, run on the fresh database before the tests. */
  schema?: string[];
  /** Wakes a relay in this process after each outbox commit (nudgeRelayAfterCommit), until close. */
  nudgeRelay?: boolean;
}

/** A fresh database from the migrated template, a Prisma client and a quiet outbox on it, and the suite's topics. */
export interface RelayFixture<T extends TopicSpecs = TopicSpecs> {
  database: TestDatabase;
  prisma: PrismaClient;
  outbox: PrismaOutbox<PrismaClient>;
  /** The names of options.topics, in their order; each exists with a leader for every partition once the fixture is open. */
  topics: { -readonly [K in keyof T]: string };
  /** Another unique topic (prefix + random suffix), created and waited for like options.topics. */
  topic(prefix: string, partitions?: number): Promise<string>;
  /** A Kafka admin client, connected on the first call; disconnected by close. */
  admin(): Promise<Admin>;
  /** Stops the nudging, disconnects the clients and drops the database; tolerates a failed open. */
  close(): Promise<void>;
}

/**
 * The parts, made before anything exists: the database's URL is known from its name and a Prisma
 * client connects on its first query, so a suite can hold them from its first line. open() creates
 * the database, its schema and the topics.
 */
function plannedRelayFixture<const T extends TopicSpecs>(options: RelayFixtureOptions<T>): RelayFixture<T> & { open(): Promise<void> } {
  const database = plannedDatabase(options.prefix);
  const prisma = createPrismaClient(database.url);
  const outbox = quietOutbox(prisma);
  const wanted: TopicSpecs = options.topics ?? [];
  const topics = wanted.map((topic) => uniqueName(topic.prefix)) as RelayFixture<T>['topics'];
  let created = false;
  let stopNudging: (() => void) | undefined;
  let admin: Promise<Admin> | undefined;

  return {
    database: { url: database.url, name: database.name, drop: database.drop },
    prisma,
    outbox,
    topics,
    async open() {
      // Marked first: a create that fails half way still leaves something for close to drop.
      created = true;
      await database.create();
      for (const statement of options.schema ?? []) await prisma.$executeRawUnsafe(statement);
      await Promise.all(wanted.map((spec, i) => createTopic(topics[i] as string, spec.partitions ?? 3)));
      if (options.nudgeRelay) stopNudging = nudgeRelayAfterCommit(outbox.events, outbox.executor);
    },
    async topic(prefix, partitions = 3) {
      const topic = uniqueName(prefix);
      await createTopic(topic, partitions);
      return topic;
    },
    admin() {
      admin ??= (async () => {
        const client = kafkaClient().admin();
        await client.connect();
        return client;
      })();
      return admin;
    },
    async close() {
      stopNudging?.();
      stopNudging = undefined;
      const connected = admin;
      admin = undefined;
      await connected?.then((client) => client.disconnect()).catch(() => undefined);
      await prisma.$disconnect();
      if (created) await database.drop();
    },
  };
}

/** Opens a fixture now (for a test that makes its own); the caller closes it. */
export async function openRelayFixture<const T extends TopicSpecs = []>(options: RelayFixtureOptions<T>): Promise<RelayFixture<T>> {
  const fixture = plannedRelayFixture(options);
  try {
    await fixture.open();
  } catch (err) {
    await fixture.close().catch(() => undefined);
    throw err;
  }
  return fixture;
}

/**
 * The file's fixture: its parts right away, the database and topics made in a beforeAll, all of it
 * closed in an afterAll. Call it at the top of a test file (or a describe block), before the
 * hooks that use it: vitest runs beforeAll hooks in order and afterAll hooks in reverse, so the
 * suite's own set-up finds the database made and its clean-up runs before the database goes.
 */
export function useRelayFixture<const T extends TopicSpecs = []>(options: RelayFixtureOptions<T>): RelayFixture<T> {
  const fixture = plannedRelayFixture(options);
  beforeAll(() => fixture.open());
  afterAll(() => fixture.close());
  return fixture;
}
