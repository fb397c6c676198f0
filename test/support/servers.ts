import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { createDatabase, databaseUrl, dropDatabase } from '../../scripts/postgres.mjs';

/** A name no other test (or earlier run) uses: for databases, topics and consumer groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export function kafkaBrokers(): string[] {
  return inject('kafkaBrokers').split(',');
}

/** A test's own database on the test server: its name, its URL, and the function that drops it. */
export interface TestDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

/**
 * A database under a fresh name whose URL is known before it exists (a client made on it connects
 * on its first query); create() makes it, a clone of the migrated template.
 */
export function plannedDatabase(prefix = 'ok_test'): TestDatabase & { create: () => Promise<void> } {
  const name = uniqueName(prefix);
  const url: string = databaseUrl(name);
  return {
    url,
    name,
    create: async () => {
      await createDatabase(name, { template: inject('templateDatabase') });
    },
    drop: () => dropDatabase(name),
  };
}

/** A fresh database cloned from the migrated template; dropped by the returned function. */
export async function freshDatabase(prefix = 'ok_test'): Promise<TestDatabase> {
  const { url, name, create, drop } = plannedDatabase(prefix);
  await create();
  return { url, name, drop };
}
