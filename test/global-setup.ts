import type { TestProject } from 'vitest/node';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { ensurePostgres, createDatabase } from '../scripts/postgres.mjs';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { applyMigrations } from '../scripts/migrate.mjs';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { ensureKafka } from '../scripts/kafka.mjs';

/** Overridable so that two test runs on one machine (two checkouts) do not drop each other's template. */
export const TEMPLATE_DATABASE = process.env.OUTBOXKIT_TEST_TEMPLATE ?? 'outboxkit_test_template';

/**
 * Starts the real servers once for the whole integration run: PostgreSQL (a migrated template
 * database that every test file clones) and a Kafka broker. If either cannot start, the run fails
 * here, loudly; no test is skipped.
 */
export default async function setup(project: TestProject) {
  await ensurePostgres();
  const templateUrl: string = await createDatabase(TEMPLATE_DATABASE);
  await applyMigrations(templateUrl);
  const kafka = await ensureKafka();
  project.provide('kafkaBrokers', kafka.brokers as string);
  project.provide('templateDatabase', TEMPLATE_DATABASE);
  process.stderr.write(`[global-setup] PostgreSQL template ${TEMPLATE_DATABASE}, Kafka at ${kafka.brokers}\n`);
  return async () => {
    await kafka.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    templateDatabase: string;
  }
}
