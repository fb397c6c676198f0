// The suites' fixture (test/support/relay-fixture.ts): what it makes exists when it is open, and
// close takes all of it away, so a suite that builds on it neither starts on a half-made database
// nor leaves one behind.
import { describe, expect, it } from 'vitest';
import { send } from '@outboxkit/core';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { ensurePostgres, withClient } from '../../scripts/postgres.mjs';
import { openRelayFixture, useRelayFixture } from '@outboxkit/test-support/relay-fixture';

async function databaseExists(name: string): Promise<boolean> {
  const found = await withClient(await ensurePostgres(), (client: { query(sql: string, values: unknown[]): Promise<{ rowCount: number }> }) =>
    client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]),
  );
  return found.rowCount === 1;
}

const fileFixture = useRelayFixture({ prefix: 'ok_fixture_file', topics: [{ prefix: 'ok.fixture.file', partitions: 1 }] });

describe('relay fixture', () => {
  it('useRelayFixture: the parts are there from the first line; beforeAll made the database and the topic', async () => {
    expect(await databaseExists(fileFixture.database.name)).toBe(true);
    const admin = await fileFixture.admin();
    expect(await fileFixture.admin()).toBe(admin);
    const { topics } = await admin.fetchTopicMetadata({ topics: fileFixture.topics });
    expect(topics.map((t) => t.partitions.length)).toEqual([1]);
  });

  it('openRelayFixture: schema, topics with a leader per partition, a working outbox; close drops the database', async () => {
    const fixture = await openRelayFixture({
      prefix: 'ok_fixture',
      schema: ['CREATE TABLE fixture_probe (n int)'],
      topics: [{ prefix: 'ok.fixture.a' }, { prefix: 'ok.fixture.b', partitions: 2 }],
    });
    let closed = false;
    try {
      expect(await fixture.prisma.$queryRawUnsafe('SELECT count(*)::int AS n FROM fixture_probe')).toEqual([{ n: 0 }]);
      const admin = await fixture.admin();
      const { topics } = await admin.fetchTopicMetadata({ topics: fixture.topics });
      expect(Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))).toEqual({ [fixture.topics[0]]: 3, [fixture.topics[1]]: 2 });
      expect(topics.every((t) => t.partitions.every((p) => p.leader >= 0))).toBe(true);
      const another = await fixture.topic('ok.fixture.c', 1);
      expect((await admin.fetchTopicMetadata({ topics: [another] })).topics[0]!.partitions).toHaveLength(1);

      const id = await fixture.outbox.transaction(async () => send({ topic: fixture.topics[0], key: 'k', value: { n: 1 } }));
      expect((await fixture.prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).status).toBe('READY');

      await fixture.close();
      closed = true;
      expect(await databaseExists(fixture.database.name)).toBe(false);
    } finally {
      if (!closed) await fixture.close();
    }
  });
});
