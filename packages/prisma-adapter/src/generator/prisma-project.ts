import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '@outboxkit/core';
import { summarizeSchema, type PrismaSchemaFile, type PrismaSchemaSummary } from './prisma-schema-text.js';

/** Where a Prisma project keeps its schema and migrations. */
export interface PrismaProject {
  /** The schema file, or the folder of a multi-file schema. */
  schemaPath: string;
  isFolder: boolean;
  files: PrismaSchemaFile[];
  summary: PrismaSchemaSummary;
  migrationsDir: string;
}

export interface LocateOptions {
  cwd?: string;
  /** A schema file or a multi-file schema folder. Default: from prisma.config.ts, else prisma/schema.prisma, schema.prisma or prisma/. */
  schema?: string;
  /** Default: from prisma.config.ts, else `migrations` beside the file holding the datasource block. */
  migrations?: string;
}

const CONFIG_FILES = ['prisma.config.ts', 'prisma.config.mts', 'prisma.config.js', 'prisma.config.mjs', '.config/prisma.ts'];

/**
 * Finds the schema and migrations folder the way Prisma does: explicit options first, then what
 * prisma.config.ts names (read as text: `schema: '...'`, `migrations: { path: '...' }`), then
 * Prisma's default locations.
 */
export async function locatePrismaProject(options: LocateOptions = {}): Promise<PrismaProject> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const config = await readPrismaConfig(cwd);
  const schemaPath = options.schema
    ? path.resolve(cwd, options.schema)
    : (config.schema ?? [path.join(cwd, 'prisma', 'schema.prisma'), path.join(cwd, 'schema.prisma'), path.join(cwd, 'prisma')].find(existsSync));
  if (!schemaPath || !existsSync(schemaPath)) {
    throw new InvalidConfigError('--schema', `no Prisma schema found${schemaPath ? ` at ${schemaPath}` : ` under ${cwd}`}: pass --schema <file or folder>`);
  }
  const isFolder = statSync(schemaPath).isDirectory();
  const paths = isFolder ? await prismaFilesUnder(schemaPath) : [schemaPath];
  if (paths.length === 0) throw new InvalidConfigError('--schema', `${schemaPath} holds no .prisma files`);
  const files = await Promise.all(paths.map(async (file) => ({ path: file, content: await readFile(file, 'utf8') })));
  const summary = summarizeSchema(files);
  const datasourceFile = summary.datasource?.file ?? (isFolder ? path.join(schemaPath, 'schema.prisma') : schemaPath);
  const migrationsDir = options.migrations
    ? path.resolve(cwd, options.migrations)
    : (config.migrations ?? path.join(path.dirname(datasourceFile), 'migrations'));
  return { schemaPath, isFolder, files, summary, migrationsDir };
}

async function prismaFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.prisma'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => !file.split(path.sep).includes('node_modules'))
    .sort();
}

async function readPrismaConfig(cwd: string): Promise<{ schema?: string; migrations?: string }> {
  const file = CONFIG_FILES.map((name) => path.join(cwd, name)).find(existsSync);
  if (!file) return {};
  const text = (await readFile(file, 'utf8')).replace(/^\s*\/\/.*$/gm, '');
  const base = path.dirname(file);
  const schema = /\bschema\s*:\s*['"`]([^'"`]+)['"`]/.exec(text)?.[1];
  const migrations = /\bmigrations\s*:\s*\{[^}]*?\bpath\s*:\s*['"`]([^'"`]+)['"`]/.exec(text)?.[1];
  return {
    ...(schema ? { schema: path.resolve(base, schema) } : {}),
    ...(migrations ? { migrations: path.resolve(base, migrations) } : {}),
  };
}
