import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import the packages' sources, so a stale build can never hide a change. Child processes
// started by integration tests (the relay CLI, the example services) run the built output,
// which `npm test`'s pretest step rebuilds.
// Subpath entries first: an alias key also matches as a prefix.
const alias = {
  '@outboxkit/prisma-adapter/nestjs': here('./packages/prisma-adapter/src/nestjs/index.ts'),
  '@outboxkit/prisma-adapter/generator': here('./packages/prisma-adapter/src/generator/index.ts'),
  '@outboxkit/core': here('./packages/core/src/index.ts'),
  '@outboxkit/prisma-adapter': here('./packages/prisma-adapter/src/index.ts'),
  '@outboxkit/kafka-relay': here('./packages/kafka-relay/src/index.ts'),
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
    ],
  },
});
