import type { TestProject } from 'vitest/node';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { ensurePostgres, createDatabase, dropDatabase } from '../../scripts/postgres.mjs';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { applyMigrations } from '../../scripts/migrate.mjs';
// @ts-expect-error plain ESM helpers shared with the test setup
import { ensurePeerProject, PEER_PROJECTS, peerModules } from '../../scripts/peer-projects.mjs';
import { TEMPLATE_DATABASE } from '../global-setup.js';

/**
 * For the peer-version projects of vitest.config.ts (nest10, nest11; the project's name is the
 * peer project's): installs the peer projects on a machine's first run (cached in .cache/peers/
 * afterwards), and gives its tests a migrated template database of its own — the
 * integration project's setup, which owns the shared template and the broker, may run in the
 * same `vitest run` or not at all (`--project nest10`).
 */
export default async function setup(project: TestProject) {
  // Every peer project at once, the first time (npm mostly waits on the network): the next
  // project's setup and the Prisma 6 test then find theirs installed.
  await Promise.all(Object.keys(PEER_PROJECTS).map((name) => ensurePeerProject(name)));
  await ensurePostgres();
  const template = `${TEMPLATE_DATABASE}_${project.name}`;
  await applyMigrations(await createDatabase(template));
  project.provide('templateDatabase', template);
  project.provide('peerVersions', PEER_PROJECTS[project.name]);
  project.provide('peerModules', peerModules(project.name));
  return async () => {
    await dropDatabase(template);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The peer project's packages and their exact versions (scripts/peer-projects.mjs). */
    peerVersions: Record<string, string>;
    /** Its node_modules folder. */
    peerModules: string;
  }
}
