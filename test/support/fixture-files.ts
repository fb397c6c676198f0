import { fileURLToPath } from 'node:url';

/** The plain-JS child-process fixtures in this folder's fixtures/ (run with node, not loaded by the tests). */
export type FixtureFile = 'announce-cli-loading.mjs' | 'announce-cli-loading-hooks.mjs' | 'announce-exit.mjs';

/** Absolute path of a fixture file, for `node --import` or a spawned script. */
export function fixtureFile(name: FixtureFile): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}
