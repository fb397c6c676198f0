import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
// @ts-expect-error plain ESM helpers shared with the test setup
import { peerModules } from './scripts/peer-projects.mjs';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import the packages' sources, so a stale build can never hide a change. Child processes
// started by integration tests (the relay CLI, the example services) run the built output,
// which `npm test`'s pretest step rebuilds.
// Subpath entries first: an alias key also matches as a prefix.
const alias = {
  '@outboxkit/prisma-adapter/generator': here('./packages/prisma-adapter/src/generator/index.ts'),
  '@outboxkit/core/internal': here('./packages/core/src/internal.ts'),
  '@outboxkit/kafka-relay/internal': here('./packages/kafka-relay/src/internal.ts'),
  '@outboxkit/core': here('./packages/core/src/index.ts'),
  '@outboxkit/prisma-adapter': here('./packages/prisma-adapter/src/index.ts'),
  '@outboxkit/kafka-relay': here('./packages/kafka-relay/src/index.ts'),
  '@outboxkit/nestjs': here('./packages/nestjs/src/index.ts'),
};

/**
 * NestJS 10 and 11 (the workspace itself has 12): the Nest module's tests once more per major, with
 * @nestjs/* (and reflect-metadata, as Nest's own copy) resolved from that major's install in
 * .cache/peers/ (scripts/peer-projects.mjs; test/peers/global-setup.ts installs it on a machine's
 * first run). The library's sources import @nestjs/* too, so they run against the same copy.
 */
const NEST_MODULE_TESTS = ['packages/nestjs/test/integration/nestjs-module.test.ts', 'packages/nestjs/test/peers/nest-major.test.ts'];
const nestProject = (name: 'nest10' | 'nest11') => {
  const modules = peerModules(name) as string;
  const nestAlias = Object.fromEntries(
    ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', '@nestjs/swagger', 'reflect-metadata'].map((pkg) => [pkg, `${modules}/${pkg}`]),
  );
  return {
    resolve: { alias: { ...nestAlias, ...alias } },
    test: {
      name,
      // In the integration project's group (so the same worker limit): their files share its
      // two workers instead of adding a phase of their own.
      sequence: { groupOrder: 1 },
      include: NEST_MODULE_TESTS,
      environment: 'node',
      globalSetup: ['./test/peers/global-setup.ts'],
      testTimeout: 120_000,
      hookTimeout: 180_000,
      fileParallelism: true,
      maxWorkers: 2,
    },
  };
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['packages/*/src/**/*.spec.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          // Runs after the unit project, with its own worker limit.
          sequence: { groupOrder: 1 },
          include: ['packages/*/test/integration/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['./test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Tests share one broker and one server; files run in parallel, each with its own database and topics.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      nestProject('nest10'),
      nestProject('nest11'),
    ],
  },
});
