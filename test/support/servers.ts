import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { createDatabase, dropDatabase } from '../../scripts/postgres.mjs';

/** A name no other test (or earlier run) uses: for databases, topics and consumer groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export function kafkaBrokers(): string[] {
  return inject('kafkaBrokers').split(',');
}

/** A fresh database cloned from the migrated template; dropped by the returned function. */
export async function freshDatabase(prefix = 'ok_test'): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = uniqueName(prefix);
  const url: string = await createDatabase(name, { template: inject('templateDatabase') });
  return { url, name, drop: () => dropDatabase(name) };
}
