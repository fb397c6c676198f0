// Runs `prisma generate` (the repo's own Prisma CLI) without network access.
//
// The Prisma CLI insists on downloading its native schema engine from Prisma's servers before
// running any command, although `generate` never uses it. That download is impossible on this
// project's machines, so PRISMA_SCHEMA_ENGINE_BINARY is pointed at scripts/prisma-engine-stub/
// schema-engine (an existing file makes the CLI skip the download), and telemetry / update
// checks are switched off. Prisma 6's CLI also downloads its native query engine library before
// `prisma validate` (not before `generate` with `engineType = "client"`), though neither command
// loads it: PRISMA_QUERY_ENGINE_LIBRARY names a stand-in file the same way (Prisma 7 has no such
// engine and ignores the variable). The client lands where prisma/schema.prisma's generator says:
// prisma/generated/client (import prisma/generated/client/client.ts).
//
// CLI: node scripts/prisma-generate.mjs [--schema prisma/schema.prisma]

import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_ENGINE_STUB = path.join(REPO_ROOT, 'scripts', 'prisma-engine-stub', 'schema-engine');
/** Never loaded by the commands this environment is for; a project that does load it fails on it (not a shared library). */
export const QUERY_ENGINE_STUB = path.join(REPO_ROOT, 'scripts', 'prisma-engine-stub', 'libquery_engine.stub.so.node');

/**
 * The environment under which the Prisma CLI runs offline (generate, format, validate, version),
 * Prisma 7 and Prisma 6 with `engineType = "client"`.
 */
export function prismaOfflineEnv(base = process.env) {
  try {
    accessSync(SCHEMA_ENGINE_STUB, constants.X_OK);
  } catch {
    // A checkout that lost the executable bit (it is recorded in git, but not every tool keeps it).
    chmodSync(SCHEMA_ENGINE_STUB, statSync(SCHEMA_ENGINE_STUB).mode | 0o111);
  }
  return {
    ...base,
    // Respect a real engine someone configured on purpose.
    PRISMA_SCHEMA_ENGINE_BINARY: base.PRISMA_SCHEMA_ENGINE_BINARY || SCHEMA_ENGINE_STUB,
    PRISMA_QUERY_ENGINE_LIBRARY: base.PRISMA_QUERY_ENGINE_LIBRARY || QUERY_ENGINE_STUB,
    PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
}

/**
 * Generates the Prisma client for `schema` (relative to the repo root, or absolute). Resolves to
 * the CLI's output; rejects with that output when the CLI fails.
 */
export async function generatePrismaClient({ schema = 'prisma/schema.prisma' } = {}) {
  const cli = path.join(REPO_ROOT, 'node_modules', '.bin', 'prisma');
  if (!existsSync(cli)) throw new Error(`${cli} not found: run pnpm install first`);
  const schemaPath = path.resolve(REPO_ROOT, schema);
  if (!existsSync(schemaPath)) throw new Error(`Prisma schema not found: ${schemaPath}`);

  return await new Promise((resolve, reject) => {
    // cwd = repo root, so the CLI also finds prisma.config.ts there.
    const child = spawn(cli, ['generate', '--schema', schemaPath], {
      cwd: REPO_ROOT,
      env: prismaOfflineEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`prisma generate failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--schema');
  const schema = i >= 0 ? args[i + 1] : undefined;
  generatePrismaClient(schema ? { schema } : {}).then(
    (output) => process.stdout.write(output),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
