import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers shared with the test setup
import { PEER_PROJECTS } from '../../../scripts/peer-projects.mjs';

/**
 * The peer ranges the packages declare are the versions `npm test` runs: the workspace's own
 * (Prisma 7, NestJS 12) and the peer projects of scripts/peer-projects.mjs (Prisma 6 in
 * prisma6.test.ts, NestJS 10 and 11 in the nest10 / nest11 projects of vitest.config.ts). A range
 * is a list of `^major.minor.patch` alternatives, one per tested major, each tested version at
 * or above its alternative's floor: adding a major to a range without a test fails here, and so
 * does testing a major the range refuses.
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const projects = PEER_PROJECTS as Record<string, Record<string, string>>;

/** The version of `name` the workspace package `pkg` resolves (the one its tests load). */
function workspaceVersion(pkg: string, name: string): string {
  const require = createRequire(path.join(REPO, 'packages', pkg, 'package.json'));
  return (require(`${name}/package.json`) as { version: string }).version;
}

const TESTED: Record<string, string[]> = {
  '@prisma/client': [projects.prisma6!['@prisma/client']!, workspaceVersion('prisma-adapter', '@prisma/client')],
  '@nestjs/common': [projects.nest10!['@nestjs/common']!, projects.nest11!['@nestjs/common']!, workspaceVersion('nestjs', '@nestjs/common')],
  '@nestjs/core': [projects.nest10!['@nestjs/core']!, projects.nest11!['@nestjs/core']!, workspaceVersion('nestjs', '@nestjs/core')],
};

/** Which package declares which of them: the Prisma client the adapter, Nest the Nest module. */
const TESTED_PEERS: Record<string, string[]> = {
  'prisma-adapter': ['@prisma/client'],
  nestjs: ['@nestjs/common', '@nestjs/core'],
};

const parse = (version: string) => version.split('.').map(Number) as [number, number, number];
const atLeast = (version: string, floor: string) => {
  const [a, b] = [parse(version), parse(floor)];
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
};

const manifests = readdirSync(path.join(REPO, 'packages')).map((dir) => ({
  dir,
  manifest: JSON.parse(readFileSync(path.join(REPO, 'packages', dir, 'package.json'), 'utf8')) as { name: string; peerDependencies?: Record<string, string> },
}));

describe('peer dependency ranges', () => {
  it('name a Prisma 6, a Prisma 7 and three NestJS majors, the ones the tests run', () => {
    expect(TESTED['@prisma/client']!.map((v) => parse(v)[0])).toEqual([6, 7]);
    expect(TESTED['@nestjs/common']!.map((v) => parse(v)[0])).toEqual([10, 11, 12]);
  });

  for (const { dir, manifest } of manifests) {
    it(`of ${manifest.name} say exactly the tested majors`, () => {
      const checked = Object.entries(manifest.peerDependencies ?? {}).filter(([name]) => name in TESTED);
      expect(checked.map(([name]) => name).sort(), `${manifest.name}: its Prisma and NestJS peers`).toEqual(TESTED_PEERS[dir] ?? []);
      for (const [name, range] of checked) {
        expect(range, `${name}: alternatives of ^x.y.z`).toMatch(/^\^\d+\.\d+\.\d+( \|\| \^\d+\.\d+\.\d+)*$/);
        const floors = range.split(' || ').map((alternative) => alternative.slice(1));
        const tested = TESTED[name]!;
        expect(floors.map((floor) => parse(floor)[0]), `${name} ${range}: one alternative per tested major`).toEqual(tested.map((v) => parse(v)[0]));
        floors.forEach((floor, i) => expect(atLeast(tested[i]!, floor), `${name}: tested ${tested[i]} is inside ^${floor}`).toBe(true));
      }
    });
  }
});
