// The packages' public surface: each README's "Public names" list is exactly what the package's
// main entry exports at runtime (a name added to one and not the other fails here), core stays
// small enough to learn, and the examples — what an application writes — import only public
// entry points, never an `./internal` one (it has no stability promise).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The runtime exports of a package's main entry (its sources, through vitest.config.ts's aliases). */
const ENTRIES: Record<string, () => Promise<Record<string, unknown>>> = {
  '@outboxkit/core': () => import('@outboxkit/core'),
  '@outboxkit/prisma-adapter': () => import('@outboxkit/prisma-adapter'),
  '@outboxkit/kafka-relay': () => import('@outboxkit/kafka-relay'),
  '@outboxkit/nestjs': () => import('@outboxkit/nestjs'),
};

/** At most this many runtime names besides the error classes: what an application has to learn. */
const CORE_BUDGET = 40;

/**
 * The names a README lists for its main entry: the first cell of each table row under
 * "## Public names" (under its "### `<package>`" subsection when it has subpath sections too),
 * the backticked identifiers outside parentheses — the types listed beside a name are not runtime values.
 */
function readmeNames(readme: string, packageName: string): string[] {
  const start = readme.indexOf('\n## Public names');
  if (start < 0) throw new Error(`the README of ${packageName} has no "## Public names" section`);
  const rest = readme.slice(start + 1);
  const next = rest.slice(3).search(/\n## /);
  let section = next < 0 ? rest : rest.slice(0, next + 3);
  const own = section.indexOf(`\n### \`${packageName}\``);
  if (own >= 0) {
    const sub = section.slice(own + 1);
    const end = sub.slice(4).search(/\n### /);
    section = end < 0 ? sub : sub.slice(0, end + 4);
  }
  const names: string[] = [];
  for (const line of section.split('\n')) {
    const row = /^\| (.+?) \|/.exec(line);
    if (!row || /^-+$/.test(row[1]!) || row[1] === 'name') continue;
    const outsideParentheses = row[1]!.replace(/\([^)]*\)/g, '');
    for (const name of outsideParentheses.matchAll(/`([A-Za-z_$][\w$]*)`/g)) names.push(name[1]!);
  }
  return names;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) return [];
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(entry) ? [file] : [];
  });
}

describe('public surface', () => {
  for (const [packageName, load] of Object.entries(ENTRIES)) {
    it(`${packageName}: the README lists exactly the main entry's runtime names`, async () => {
      const folder = packageName.replace('@outboxkit/', '');
      const listed = readmeNames(readFileSync(path.join(root, 'packages', folder, 'README.md'), 'utf8'), packageName);
      const exported = Object.keys(await load()).sort();
      const duplicates = listed.filter((name, i) => listed.indexOf(name) !== i);
      expect(duplicates, `${packageName} README lists these more than once`).toEqual([]);
      expect({
        exportedButNotListed: exported.filter((name) => !listed.includes(name)),
        listedButNotExported: listed.filter((name) => !exported.includes(name)),
      }).toEqual({ exportedButNotListed: [], listedButNotExported: [] });
    });
  }

  it(`@outboxkit/core exports at most ${CORE_BUDGET} runtime names besides its error classes`, async () => {
    const names = Object.keys(await import('@outboxkit/core')).filter((name) => !name.endsWith('Error'));
    expect(names.length, names.join(', ')).toBeLessThanOrEqual(CORE_BUDGET);
  });

  it('the examples import only public entry points, never an ./internal one', () => {
    const files = sourceFiles(path.join(root, 'examples'));
    expect(files.length).toBeGreaterThan(10);
    const internal = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/['"](@outboxkit\/[\w-]+\/internal)(?:\/[^'"]*)?['"]/g)].map(
        (match) => `${path.relative(root, file)}: ${match[1]}`,
      ),
    );
    expect(internal).toEqual([]);
  });
});
