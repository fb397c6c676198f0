import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '@outboxkit/core';
import { loadProjectPrismaConfig } from './prisma-config.js';
import { summarizeSchema, type PrismaSchemaFile, type PrismaSchemaSummary } from './prisma-schema-text.js';
import { validateWithPrisma } from './prisma-validate.js';
import { resolveProjectPrisma } from './project-prisma.js';

/** Where a Prisma project keeps its schema and migrations. */
export interface PrismaProject {
  /** The schema file, or the folder of a multi-file schema. */
  schemaPath: string;
  isFolder: boolean;
  files: PrismaSchemaFile[];
  summary: PrismaSchemaSummary;
  migrationsDir: string;
  /** The Prisma config file the locations came from, if the project has one. */
  configFile: string | undefined;
  /** The project's Prisma version, undefined when the project has no prisma installed. */
  prismaVersion: string | undefined;
  /** What the user should know about how the project was read. */
  notes: string[];
}

export interface LocateOptions {
  cwd?: string;
  /** A Prisma config file (`--config`). Default: the one Prisma finds in `cwd` (prisma.config.ts, prisma7.config.ts, ...). */
  config?: string;
  /** A schema file or a multi-file schema folder. Default: the config's, else schema.prisma, prisma/schema.prisma, prisma/schema/, prisma/. */
  schema?: string;
  /** Default: the config's, else `migrations` beside the file holding the datasource block. */
  migrations?: string;
}

/**
 * Finds the schema and migrations folder the way Prisma does — explicit options first, then what
 * the project's Prisma config file says (loaded by the project's own Prisma), then Prisma's
 * default places — and has the project's Prisma validate the schema: what is returned is a
 * schema Prisma accepts, or this throws Prisma's error.
 */
export async function locatePrismaProject(options: LocateOptions = {}): Promise<PrismaProject> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const prisma = resolveProjectPrisma(cwd);
  const config = await loadProjectPrismaConfig(cwd, options.config, prisma);
  const notes: string[] = [];
  const configName = config.file ? path.relative(cwd, config.file) || config.file : undefined;
  const schemaPath = options.schema
    ? path.resolve(cwd, options.schema)
    : (config.schema ?? defaultSchemaLocations(cwd).find(existsSync));
  if (!schemaPath || !existsSync(schemaPath)) {
    const where = schemaPath ? ` at ${schemaPath}${!options.schema && configName ? ` (named by ${configName})` : ''}` : ` under ${cwd}`;
    const todo = !options.schema && configName ? `fix the schema path in ${configName}, or pass --schema <file or folder>` : 'pass --schema <file or folder>';
    throw new InvalidConfigError('--schema', `no Prisma schema found${where}: ${todo}`);
  }
  const isFolder = statSync(schemaPath).isDirectory();
  const paths = isFolder ? await prismaFilesUnder(schemaPath) : [schemaPath];
  if (paths.length === 0) throw new InvalidConfigError('--schema', `${schemaPath} holds no .prisma files`);
  if (prisma) {
    await validateWithPrisma(prisma, { cwd, schemaPath, configFile: config.file });
  } else {
    notes.push(
      `prisma is not installed in ${cwd}: the schema was ${options.schema ? '' : "looked for at Prisma's default places and "}` +
        'not validated by Prisma (install prisma in the project to have its config file read and the schema checked)',
    );
  }
  const files = await Promise.all(paths.map(async (file) => ({ path: file, content: await readFile(file, 'utf8') })));
  const summary = summarizeSchema(files);
  const datasourceFile = summary.datasource?.file ?? (isFolder ? path.join(schemaPath, 'schema.prisma') : schemaPath);
  const migrationsDir = options.migrations
    ? path.resolve(cwd, options.migrations)
    : (config.migrations ?? path.join(path.dirname(datasourceFile), 'migrations'));
  return { schemaPath, isFolder, files, summary, migrationsDir, configFile: config.file, prismaVersion: prisma?.version, notes };
}

/**
 * Where Prisma looks without a config (schema.prisma, then prisma/schema.prisma), then the
 * multi-file folder prisma/schema/ that Prisma's docs use, then prisma/ as a folder.
 */
function defaultSchemaLocations(cwd: string): string[] {
  return [path.join(cwd, 'schema.prisma'), path.join(cwd, 'prisma', 'schema.prisma'), path.join(cwd, 'prisma', 'schema'), path.join(cwd, 'prisma')];
}

async function prismaFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.prisma'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => !file.split(path.sep).includes('node_modules'))
    .sort();
}
