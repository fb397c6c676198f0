import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The Prisma installation of the user's project: its CLI and its config loader. The generator
 * asks the project's own Prisma, not one of its own, so that the config files it finds, the
 * paths it reads from them and the schema errors it reports are exactly those of the Prisma
 * version the project runs `prisma generate` and `prisma migrate` with.
 */
export interface ProjectPrisma {
  /** The `prisma` package's folder. */
  packageDir: string;
  version: string;
  /** The CLI's entry point (the package's `bin`), run with this Node. */
  cli: string;
  /** `@prisma/config` as the project's `prisma` resolves it; undefined for a Prisma without it (before 6). */
  config: PrismaConfigModule | undefined;
}

/** The part of `@prisma/config` (Prisma 6.x–7.x) the generator uses. */
export interface PrismaConfigModule {
  findPrismaConfigFile?: (configRoot?: string) => string | null;
  loadConfigFromFile(input: { configFile?: string; configRoot?: string }): Promise<PrismaConfigLoadResult>;
  PrismaConfigEnvError?: new (...args: never[]) => Error;
}

export type PrismaConfigLoadResult =
  | { resolvedPath: string | null; config: LoadedPrismaConfig; error?: undefined }
  | { resolvedPath: string | null; config?: undefined; error: { _tag: string; error?: Error } };

/** What the loader returns, paths already absolute (resolved from the config file's folder). */
export interface LoadedPrismaConfig {
  schema?: string;
  migrations?: { path?: string };
}

/**
 * Finds `prisma` from the project (as `npx prisma` would: its node_modules, then the folders
 * above), then `@prisma/config` from prisma's own folder — under pnpm it is not hoisted to the
 * project, only linked beside prisma. Undefined when the project has no prisma installed.
 */
export function resolveProjectPrisma(projectDir: string): ProjectPrisma | undefined {
  let manifestPath: string;
  try {
    manifestPath = createRequire(path.join(projectDir, 'package.json')).resolve('prisma/package.json');
  } catch {
    return undefined;
  }
  const packageDir = path.dirname(manifestPath);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string; bin?: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : (manifest.bin?.prisma ?? 'build/index.js');
  return { packageDir, version: manifest.version, cli: path.join(packageDir, bin), config: loadPrismaConfigModule(manifestPath) };
}

function loadPrismaConfigModule(prismaManifest: string): PrismaConfigModule | undefined {
  try {
    return createRequire(prismaManifest)('@prisma/config') as PrismaConfigModule;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
