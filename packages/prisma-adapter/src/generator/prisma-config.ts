import { statSync } from 'node:fs';
import path from 'node:path';
import { InvalidConfigError } from '@outboxkit/core';
import { redactSecrets } from '@outboxkit/core/internal';
import type { PrismaConfigModule, ProjectPrisma } from './project-prisma.js';

/** What the project's Prisma config file says about the schema and the migrations. */
export interface ProjectPrismaConfig {
  /** The config file Prisma loaded; undefined when the project has none. */
  file: string | undefined;
  /** Absolute; undefined when the config names none (Prisma's default places apply). */
  schema: string | undefined;
  migrations: string | undefined;
}

const NO_CONFIG: ProjectPrismaConfig = { file: undefined, schema: undefined, migrations: undefined };

/**
 * Loads the config file with the project's own `@prisma/config`, so every name Prisma accepts
 * (prisma.config.ts, prisma7.config.ts — what `prisma init` of 7.10 writes —, .config/prisma.ts,
 * any extension) is found, and paths computed in the file come out as Prisma computes them.
 * `requested` is `--config`; without it, Prisma's own discovery in `cwd` decides.
 */
export async function loadProjectPrismaConfig(
  cwd: string,
  requested: string | undefined,
  prisma: ProjectPrisma | undefined,
): Promise<ProjectPrismaConfig> {
  const configFile = requested === undefined ? undefined : path.resolve(cwd, requested);
  const loader = prisma?.config;
  if (!loader) {
    // No prisma (the caller notes it), or a Prisma without config files (before 6): defaults apply.
    if (configFile === undefined) return NO_CONFIG;
    const missing = prisma ? `the project's Prisma ${prisma.version} has no config loader (@prisma/config)` : `prisma is not installed in ${cwd}`;
    throw new InvalidConfigError(
      '--config',
      `${missing}, and the config file is read with Prisma's own loader: ` +
        'install prisma 6 or later in the project (npm install --save-dev prisma), or pass --schema and --migrations instead',
    );
  }
  if (configFile !== undefined && !isFile(configFile)) {
    throw new InvalidConfigError(
      '--config',
      `no Prisma config file at ${configFile}: pass the path of your Prisma config file (relative to ${cwd}), ` +
        'or leave --config out to let Prisma find prisma.config.ts or prisma7.config.ts',
    );
  }
  const loaded = await loader.loadConfigFromFile({ configRoot: cwd, ...(configFile ? { configFile } : {}) });
  if (loaded.error) {
    // Prisma's loader names the folder, not the file, when the module itself threw.
    const file = configFile ?? [loaded.resolvedPath, loader.findPrismaConfigFile?.(cwd)].find(isFile) ?? cwd;
    const setting = requested !== undefined ? '--config' : path.relative(cwd, file) || file;
    throw new InvalidConfigError(setting, configLoadFailure(file, loaded.error, loader));
  }
  return {
    file: loaded.resolvedPath ?? undefined,
    schema: loaded.config.schema,
    migrations: loaded.config.migrations?.path,
  };
}

/** Prisma's own error, with what to do; a config file may hold credentials, so it is redacted. */
function configLoadFailure(file: string, failure: { _tag: string; error?: Error }, loader: PrismaConfigModule): string {
  const cause = failure.error;
  const said = redactSecrets((cause?.message ?? failure._tag).trim());
  const unsetVariable = loader.PrismaConfigEnvError && cause instanceof loader.PrismaConfigEnvError
    ? /environment variable:\s*([^\s.]+)/.exec(cause.message)?.[1]
    : undefined;
  const todo = unsetVariable
    ? `set ${unsetVariable} (in the environment, or in the .env file your config loads), then run again`
    : 'fix the config file (npx prisma validate reports the same), then run again';
  return `Prisma could not load the config file ${file} (${failure._tag}): ${said}\n${todo}`;
}

function isFile(file: string | null | undefined): file is string {
  return typeof file === 'string' && statSync(file, { throwIfNoEntry: false })?.isFile() === true;
}
