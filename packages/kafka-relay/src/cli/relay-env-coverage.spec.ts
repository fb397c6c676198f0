import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RELAY_ENV_VARIABLES, relayEnvHelp, relayEnvMarkdown } from './relay-env-variables.js';

/**
 * Keeps `outbox-relay --help`, the table and docs/sidecar.md true to the code: every environment
 * variable the CLI's sources read is a row of RELAY_ENV_VARIABLES (so --help lists it with its
 * default), every row is read somewhere, and the docs' table is the table's own rendering.
 */
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CLI_SOURCES = [
  ...readdirSync(here('.'))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
    .map((name) => here(`./${name}`)),
  here('../ops/ops-server.ts'),
  here('../../bin/outbox-relay.js'),
];
const TABLE_FILE = here('./relay-env-variables.ts');
const source = (path: string) => readFileSync(path, 'utf8');

/** Error codes look like variable names (OUTBOX_INVALID_CONFIG); they are not read from the environment. */
const ERROR_CODES = new Set([...source(here('../../../core/src/errors.ts')).matchAll(/'((?:OUTBOX|KAFKA|DATABASE)_[A-Z0-9_]+)'/g)].map((m) => m[1]!));

/** Names read as `env.X`, `env?.X` or `env['X']`, and names written as string literals (`set('OUTBOX_…')`). */
function namesReadBy(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b/g)) names.add(match[1]!);
  for (const match of text.matchAll(/\benv\??\.?\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g)) names.add(match[1]!);
  for (const match of text.matchAll(/['"`]((?:OUTBOX|KAFKA|DATABASE)_[A-Z0-9_]+)['"`]/g)) {
    if (!ERROR_CODES.has(match[1]!)) names.add(match[1]!);
  }
  return names;
}

describe('the environment table against the code', () => {
  const table = new Set(RELAY_ENV_VARIABLES.map((v) => v.name));

  it('lists every variable the CLI reads, so --help shows each with its default', () => {
    const missing: string[] = [];
    for (const file of CLI_SOURCES) {
      if (file === TABLE_FILE) continue;
      for (const name of namesReadBy(source(file))) if (!table.has(name)) missing.push(`${name} (read in ${file.split('/src/').pop()})`);
    }
    // The scan itself works: it sees what relay-env.ts and half-env.ts read.
    const seen = new Set(CLI_SOURCES.filter((f) => f !== TABLE_FILE).flatMap((f) => [...namesReadBy(source(f))]));
    expect([...seen]).toEqual(expect.arrayContaining(['DATABASE_URL', 'OUTBOX_CHECKER_SECRET', 'OUTBOX_LOG_LEVEL', 'OUTBOX_SCHEMA']));
    expect(missing, 'add a row to RELAY_ENV_VARIABLES for each').toEqual([]);
    const help = relayEnvHelp();
    for (const v of RELAY_ENV_VARIABLES) expect(help).toMatch(new RegExp(`^  ${v.name} `, 'm'));
    for (const v of RELAY_ENV_VARIABLES.filter((row) => row.default)) expect(help).toContain(`default ${v.default}`);
  });

  it('has no row that nothing reads', () => {
    // relay-env.ts reads every row through readRelayEnv; a row without a RelayOptions setting must be read by name somewhere.
    const readByName = new Set(CLI_SOURCES.filter((f) => f !== TABLE_FILE).flatMap((f) => [...namesReadBy(source(f))]));
    // `${name}_FILE` (a secret read from a file) is read wherever its base variable is, by a template.
    const fileTemplate = CLI_SOURCES.some((f) => source(f).includes('_FILE`'));
    const read = (name: string) => readByName.has(name) || (fileTemplate && name.endsWith('_FILE') && readByName.has(name.slice(0, -'_FILE'.length)));
    const unread = RELAY_ENV_VARIABLES.filter((v) => !v.option && !read(v.name)).map((v) => v.name);
    expect(unread).toEqual([]);
    const halfEnv = source(here('./half-env.ts'));
    for (const v of RELAY_ENV_VARIABLES.filter((row) => row.group === 'half')) expect(halfEnv, `${v.name} is read by half-env.ts`).toContain(v.name);
  });

  it('docs/sidecar.md shows the table as the code has it (regenerate: npx tsx scripts/relay-env-docs.mjs)', () => {
    const docs = source(here('../../../../docs/sidecar.md'));
    const match = /<!-- relay-env-table:start[^>]*-->\n([\s\S]*?)\n<!-- relay-env-table:end -->/.exec(docs);
    expect(match, 'docs/sidecar.md has the relay-env-table markers').not.toBeNull();
    expect(match![1]).toBe(relayEnvMarkdown());
  });
});
