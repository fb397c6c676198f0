// The import rules of .dependency-cruiser.cjs (no cycles, core free of Prisma/Kafka/pg/Nest, the
// adapters apart, every package importing only what it declares), run by dependency-cruiser over
// the repository — and over a small tree that breaks each rule, so a rule that stopped matching
// (a renamed folder, a changed resolution) fails here instead of passing in silence.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const SCOPE = ['packages', 'examples', 'bench', 'test', 'scripts'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: Array<{ name: string }>;
}

/** Runs dependency-cruiser in `cwd` with the repository's rules; its violations, or a failure with its output. */
function cruise(cwd: string, config: string, scope: string[]): Promise<Violation[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, '--config', config, '--output-type', 'json', '--no-progress', ...scope],
      { cwd, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        // The CLI exits with the number of errors; the JSON says which.
        try {
          resolve((JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations);
        } catch {
          reject(new Error(`dependency-cruiser gave no result (${error?.message ?? 'no error'}):\n${stderr}\n${stdout.slice(0, 2_000)}`));
        }
      },
    );
  });
}

const describeViolation = (v: Violation) =>
  `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((step) => step.name).join(' → ') : v.to}`;

describe('import rules (.dependency-cruiser.cjs)', () => {
  it('hold for the whole repository', async () => {
    const violations = await cruise(REPO, '.dependency-cruiser.cjs', SCOPE);
    expect(violations.map(describeViolation)).toEqual([]);
  });

  describe('catch each kind of violation', () => {
    let tree: string | undefined;
    afterAll(async () => {
      if (tree) await rm(tree, { recursive: true, force: true });
    });

    it('in a tree made to break them', async () => {
      tree = await mkdtemp(path.join(tmpdir(), 'outboxkit-layering-'));
      const manifest = (name: string, fields: Record<string, Record<string, string>> = {}) => JSON.stringify({ name, ...fields });
      const files: Record<string, string> = {
        'package.json': manifest('root', { devDependencies: { vitest: '*' } }),
        'tsconfig.json': JSON.stringify({
          compilerOptions: {
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            paths: {
              '@outboxkit/core': ['./packages/core/src/index.ts'],
              '@outboxkit/core/internal': ['./packages/core/src/internal.ts'],
              '@outboxkit/prisma-adapter': ['./packages/prisma-adapter/src/index.ts'],
              '@outboxkit/kafka-relay': ['./packages/kafka-relay/src/index.ts'],
              '@outboxkit/nestjs': ['./packages/nestjs/src/index.ts'],
            },
          },
        }),
        // An npm package that is installed but that core does not (and must not) declare.
        'node_modules/kafkajs/package.json': JSON.stringify({ name: 'kafkajs', main: 'index.js' }),
        'node_modules/kafkajs/index.js': 'exports.Kafka = class {};\n',
        'packages/core/package.json': manifest('@outboxkit/core'),
        'packages/core/src/index.ts': "export { a } from './a.js';\n",
        'packages/core/src/internal.ts': "export const internal = 1;\n",
        // A type-only cycle, and core reaching for a broker client and an adapter.
        'packages/core/src/a.ts': "import type { B } from './b.js';\nexport const a = 1;\nexport type A = B;\n",
        'packages/core/src/b.ts': "import type { A } from './a.js';\nimport { Kafka } from 'kafkajs';\nimport '@outboxkit/prisma-adapter';\nexport type B = A | typeof Kafka;\n",
        'packages/prisma-adapter/package.json': manifest('@outboxkit/prisma-adapter', { peerDependencies: { '@outboxkit/core': '*' } }),
        'packages/prisma-adapter/src/index.ts': "import '@outboxkit/core';\nexport const p = 1;\n",
        // The relay's sources import the Prisma adapter; one test imports it undeclared.
        'packages/kafka-relay/package.json': manifest('@outboxkit/kafka-relay', { peerDependencies: { '@outboxkit/core': '*' } }),
        'packages/kafka-relay/src/index.ts': "import '@outboxkit/prisma-adapter';\nimport '../../core/src/a.js';\nexport const k = 1;\n",
        'packages/kafka-relay/test/relay.test.ts': "import '@outboxkit/prisma-adapter';\nimport '@outboxkit/test-support/servers';\n",
        // The tests' helpers, reached from a source file (and, above, from an undeclared test).
        'test/support/package.json': manifest('@outboxkit/test-support'),
        'test/support/servers.ts': 'export const s = 1;\n',
        'packages/prisma-adapter/src/support.ts': "import '@outboxkit/test-support/servers';\n",
        // nestjs declares prisma-adapter for its tests: its tests may use it, its sources may not.
        'packages/nestjs/package.json': manifest('@outboxkit/nestjs', {
          peerDependencies: { '@outboxkit/core': '*' },
          devDependencies: { '@outboxkit/prisma-adapter': '*', '@outboxkit/test-support': '*' },
        }),
        'packages/nestjs/src/index.ts': "import '@outboxkit/prisma-adapter';\nexport const n = 1;\n",
        'packages/nestjs/test/module.test.ts': "import '@outboxkit/prisma-adapter';\nimport '@outboxkit/test-support/servers';\n",
        // An example reaching into core's internals.
        'examples/shop/package.json': manifest('shop', { dependencies: { '@outboxkit/core': '*' } }),
        'examples/shop/src/main.ts': "import '@outboxkit/core/internal';\nimport '@outboxkit/core';\n",
      };
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(tree, file)), { recursive: true });
        await writeFile(path.join(tree, file), text);
      }
      await copyFile(path.join(REPO, '.dependency-cruiser.cjs'), path.join(tree, '.dependency-cruiser.cjs'));

      const found = (await cruise(tree, '.dependency-cruiser.cjs', ['packages', 'examples'])).map(describeViolation);
      const expected = [
        'no-circular: packages/core/src/a.ts → packages/core/src/b.ts → packages/core/src/a.ts',
        'core-knows-no-infrastructure: packages/core/src/b.ts → node_modules/kafkajs/index.js',
        'core-knows-no-infrastructure: packages/core/src/b.ts → packages/prisma-adapter/src/index.ts',
        'adapters-apart:@outboxkit/kafka-relay: packages/kafka-relay/src/index.ts → packages/prisma-adapter/src/index.ts',
        'declared-workspace-deps:@outboxkit/kafka-relay: packages/kafka-relay/src/index.ts → packages/prisma-adapter/src/index.ts',
        'declared-workspace-test-deps:@outboxkit/kafka-relay: packages/kafka-relay/test/relay.test.ts → packages/prisma-adapter/src/index.ts',
        'adapters-apart:@outboxkit/nestjs: packages/nestjs/src/index.ts → packages/prisma-adapter/src/index.ts',
        'declared-workspace-deps:@outboxkit/nestjs: packages/nestjs/src/index.ts → packages/prisma-adapter/src/index.ts',
        'examples-use-public-entry-points: examples/shop/src/main.ts → packages/core/src/internal.ts',
        'no-deep-imports-across-packages: packages/kafka-relay/src/index.ts → packages/core/src/a.ts',
        'npm-declared: packages/core/src/b.ts → node_modules/kafkajs/index.js',
        'declared-workspace-deps:@outboxkit/prisma-adapter: packages/prisma-adapter/src/support.ts → @outboxkit/test-support/servers',
        'test-support-only-in-tests: packages/prisma-adapter/src/support.ts → @outboxkit/test-support/servers',
        'declared-workspace-test-deps:@outboxkit/kafka-relay: packages/kafka-relay/test/relay.test.ts → @outboxkit/test-support/servers',
      ];
      expect(found).toEqual(expect.arrayContaining(expected));
      // The allowed edges are not reported: a test of nestjs using its declared devDependencies, an
      // example importing the public entry point, an adapter importing core.
      expect(found.filter((v) => v.includes('packages/nestjs/test/'))).toEqual([]);
      expect(found.filter((v) => v.endsWith('→ packages/core/src/index.ts'))).toEqual([]);
    });
  });
});
