import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '@outboxkit/core';
import {
  outboxkitSchema,
  renderSchemaChanges,
  type PayloadMode,
  type SchemaChanges,
  type SchemaDefinition,
  type TableDefinition,
  type TableRole,
} from '@outboxkit/core/internal';
import { dialectForProvider, type GeneratorDialect } from './generator-dialect.js';
import { lockedProvider, migrationLockToml, nextMigrationName, objectsNamedIn, readMigrationScripts, tablesCreatedBy } from './migrations-folder.js';
import { locatePrismaProject, type LocateOptions, type PrismaProject } from './prisma-project.js';
import { indexAttribute, renderPrismaFields, renderPrismaModel } from './prisma-models.js';
import { fieldWidths, insertIntoModel, type PrismaModel } from './prisma-schema-text.js';

export interface PrismaInitOptions extends LocateOptions {
  /** Database schema for the tables (needs Prisma's `schemas = [...]` in the datasource). Default: the connection's schema. */
  schemaName?: string;
  /** Table names. Defaults: `outbox_message`, `inbox_message`, `outbox_tx_marker`, `outbox_relay_lease`, `outbox_relay_instance`. */
  tables?: Partial<Record<TableRole, string>>;
  /** `json` (default) or `bytes`; see PayloadMode. */
  payload?: PayloadMode;
  /** The migration folder's name after the timestamp. Default `outboxkit_init` (`outboxkit_upgrade` when only adding to existing tables). */
  migrationName?: string;
  /** Clock for the migration's timestamp. Default: now. */
  now?: Date;
}

export const DEFAULT_MIGRATION_NAME = 'outboxkit_init';
/** The name when only columns, indexes or constraints of existing tables are added. */
export const UPGRADE_MIGRATION_NAME = 'outboxkit_upgrade';

/** The file name written into a multi-file schema folder. */
export const OUTBOXKIT_SCHEMA_FILE = 'outboxkit.prisma';

const MODELS_HEADER = '// outboxkit: transactional outbox, inbox and half-message marker (added by `outboxkit prisma init`).';

export interface FileChange {
  path: string;
  content: string;
  /** true when the file does not exist yet. */
  created: boolean;
}

export interface PrismaInitPlan {
  project: PrismaProject;
  definition: SchemaDefinition;
  dialect: GeneratorDialect;
  /** Files to write (full new content). Empty when everything is already in place. */
  changes: FileChange[];
  /** Models added to the schema. */
  addedModels: string[];
  /** Existing outboxkit models that got fields or indexes (an upgrade), with what was added. */
  updatedModels: string[];
  /** Models already present (by table name), per table. */
  existingModels: Record<string, string>;
  /** The new migration folder's name, if one is written. */
  migration: string | undefined;
  /** Things the user should know (columns an older migration lacks, ...). */
  notes: string[];
}

/** Works out what `outboxkit prisma init` would write, without writing anything. */
export async function planPrismaInit(options: PrismaInitOptions = {}): Promise<PrismaInitPlan> {
  if (options.migrationName !== undefined) validateMigrationName(options.migrationName);
  const project = await locatePrismaProject(options);
  const { summary } = project;
  if (!summary.datasource) {
    throw new InvalidConfigError('--schema', `${project.schemaPath} has no datasource block`);
  }
  const dialect = dialectForProvider(summary.datasource.provider);
  const schemaName = resolveSchemaName(options.schemaName, summary.datasource.schemas);
  const definition = outboxkitSchema({ schema: schemaName, tables: options.tables ?? {}, payload: options.payload ?? 'json' });

  const changes: FileChange[] = [];
  const contents = new Map(project.files.map((f) => [f.path, f.content]));
  const notes: string[] = [...project.notes];

  // The datasource must list the schema when the tables go to a named one.
  if (schemaName !== undefined && !summary.datasource.schemas!.includes(schemaName)) {
    const file = summary.datasource.file;
    contents.set(file, addToSchemasList(contents.get(file)!, schemaName));
    notes.push(`added "${schemaName}" to the datasource's schemas list`);
  }

  const existingModels: Record<string, string> = {};
  const updatedModels: string[] = [];
  const missing: TableDefinition[] = [];
  for (const table of definition.tables) {
    const model = findModel(summary.models, table, schemaName);
    if (!model) {
      missing.push(table);
      continue;
    }
    existingModels[table.name] = model.name;
    // An outboxkit upgrade may bring columns and indexes the model does not have yet.
    const lackingFields = table.columns.filter((c) => !model.fields.some((f) => f.column === c.name));
    const fieldName = (column: string) => model.fields.find((f) => f.column === column)?.name ?? table.columns.find((c) => c.name === column)!.field;
    const lackingIndexes = table.indexes.filter((index) => {
      const wanted = index.columns.map(fieldName).join(',');
      return !model.indexes.some((fields) => fields.join(',') === wanted);
    });
    if (lackingFields.length === 0 && lackingIndexes.length === 0) continue;
    const content = contents.get(model.file)!;
    const fieldLines = renderPrismaFields(table, lackingFields, dialect, fieldWidths(content, model.name));
    const attributeLines = lackingIndexes.map((index) => `  ${indexAttribute(index, fieldName)}`);
    contents.set(model.file, insertIntoModel(content, model.name, fieldLines, attributeLines));
    updatedModels.push(`${model.name} (${[...lackingFields.map((c) => c.field), ...lackingIndexes.map((i) => i.name)].join(', ')})`);
  }
  const addedModels = missing.map((table) => table.model);
  if (missing.length > 0) {
    const text = missing.map((table) => renderPrismaModel(table, dialect, schemaName)).join('\n\n');
    // In a multi-file schema, a file of its own beside the datasource's: inside the schema folder
    // even when the folder given (or found) is a parent of it, like prisma/ for prisma/schema/.
    const target = project.isFolder ? path.join(path.dirname(summary.datasource.file), OUTBOXKIT_SCHEMA_FILE) : project.schemaPath;
    const before = contents.get(target) ?? (existsSync(target) ? undefined : '');
    if (before === undefined) throw new InvalidConfigError('--schema', `${target} exists but is not part of the schema`);
    const header = before.includes(MODELS_HEADER) ? '' : `${MODELS_HEADER}\n\n`;
    contents.set(target, appendBlock(before, `${header}${text}\n`));
  }
  for (const [file, content] of contents) {
    const original = project.files.find((f) => f.path === file);
    if (original?.content !== content) changes.push({ path: file, content, created: original === undefined });
  }

  // The migration: what no migration creates yet — whole tables, or (an upgrade) columns,
  // indexes and constraints of tables that exist.
  const scripts = await readMigrationScripts(project.migrationsDir);
  const created = tablesCreatedBy(scripts, schemaName);
  const named = objectsNamedIn(scripts);
  const pending: SchemaChanges = { schema: schemaName, createTables: [], addColumns: [], createIndexes: [], extras: [], dropIndexes: [] };
  for (const table of definition.tables) {
    const columns = created.get(table.name);
    if (!columns) {
      pending.createTables.push(table);
      pending.createIndexes.push(...table.indexes.map((index) => ({ table, index })));
      pending.extras.push(...table.extras.map((extra) => ({ table, extra })));
      continue;
    }
    const lacking = table.columns.filter((c) => !columns.has(c.name));
    if (lacking.length > 0) pending.addColumns.push({ table, columns: lacking });
    pending.createIndexes.push(...table.indexes.filter((index) => !named.has(index.name)).map((index) => ({ table, index })));
    const newExtras = table.extras.filter((extra) => !named.has(extra.name));
    pending.extras.push(...newExtras.map((extra) => ({ table, extra })));
    // An index that supersedes one of an earlier outboxkit version: the old one goes in the same migration.
    for (const extra of newExtras) {
      if (extra.kind !== 'partial-index') continue;
      for (const old of extra.replaces ?? []) if (named.has(old)) pending.dropIndexes!.push({ name: old, replacedBy: extra.name });
    }
  }
  const sql = renderSchemaChanges(pending, dialect.sql);
  let migration: string | undefined;
  if (sql !== '') {
    const locked = await lockedProvider(project.migrationsDir);
    if (locked !== undefined && locked !== dialect.provider) {
      throw new InvalidConfigError('--migrations', `${project.migrationsDir}/migration_lock.toml is for "${locked}", the schema's datasource is "${dialect.provider}"`);
    }
    const upgrade = pending.createTables.length === 0;
    migration = nextMigrationName(
      scripts.map((s) => s.name),
      options.migrationName ?? (upgrade ? UPGRADE_MIGRATION_NAME : DEFAULT_MIGRATION_NAME),
      options.now,
    );
    changes.push({ path: path.join(project.migrationsDir, migration, 'migration.sql'), content: sql, created: true });
    if (locked === undefined) {
      changes.push({ path: path.join(project.migrationsDir, 'migration_lock.toml'), content: migrationLockToml(dialect.provider), created: true });
    }
  }
  return { project, definition, dialect, changes, addedModels, updatedModels, existingModels, migration, notes };
}

/** Prisma's own form for migration names (what `prisma migrate dev --name` produces). */
const MIGRATION_NAME = /^[A-Za-z0-9_]{1,200}$/;

/**
 * The name becomes a folder under the migrations folder: a "/" or ".." in it would write the
 * migration somewhere Prisma never looks (or outside the project), so it is refused up front.
 */
export function validateMigrationName(name: string): void {
  if (!MIGRATION_NAME.test(name)) {
    throw new InvalidConfigError(
      '--migration-name',
      `"${name}" is not a migration name Prisma accepts: use 1-200 letters, digits and "_" (for example outboxkit_init)`,
    );
  }
}

/** Writes a plan's files (creating folders as needed). */
export async function applyPrismaInit(plan: PrismaInitPlan): Promise<void> {
  for (const change of plan.changes) {
    await mkdir(path.dirname(change.path), { recursive: true });
    await writeFile(change.path, change.content, 'utf8');
  }
}

/** `outboxkit prisma init`: plans and writes. A second run finds everything in place and writes nothing. */
export async function prismaInit(options: PrismaInitOptions = {}): Promise<PrismaInitPlan> {
  const plan = await planPrismaInit(options);
  await applyPrismaInit(plan);
  return plan;
}

/**
 * The database schema the tables go to. With Prisma's multi-schema support (`schemas = [...]` in
 * the datasource) every model needs `@@schema`, so a name is then required.
 */
export function resolveSchemaName(requested: string | undefined, datasourceSchemas: string[] | undefined): string | undefined {
  if (requested !== undefined && datasourceSchemas === undefined) {
    throw new InvalidConfigError(
      '--schema-name',
      `"${requested}" needs Prisma's multi-schema support: add schemas = ["<your schema>", "${requested}"] to the datasource block ` +
        'and @@schema("...") to your models, then run again (or leave --schema-name out to use the connection\'s schema)',
    );
  }
  if (requested === undefined && datasourceSchemas !== undefined) {
    throw new InvalidConfigError('--schema-name', `the datasource lists schemas (${datasourceSchemas.join(', ')}): say which one holds outboxkit's tables`);
  }
  return requested;
}

/** The model that maps to `table` (by @@map or name) in the same database schema. */
export function findModel(models: readonly PrismaModel[], table: TableDefinition, schema: string | undefined): PrismaModel | undefined {
  const found = models.find((m) => m.table === table.name && m.schema === schema);
  if (found) return found;
  const clash = models.find((m) => m.name === table.model);
  if (clash) {
    throw new InvalidConfigError(
      'tables',
      `your schema already has a model ${clash.name} (table "${clash.table}"), so outboxkit cannot add one for "${table.name}": ` +
        `choose another table name (--${table.role}-table)`,
    );
  }
  return undefined;
}

/** Appends a block to a file's text, separated by one blank line, without touching what is there. */
function appendBlock(content: string, block: string): string {
  if (content === '') return block;
  const base = content.endsWith('\n') ? content : `${content}\n`;
  return `${base}\n${block}`;
}

/** Adds a name to the datasource's `schemas = [...]` list, changing nothing else on the line. */
function addToSchemasList(content: string, schema: string): string {
  return content.replace(/(schemas\s*=\s*\[)([^\]]*)(\])/, (_all, open: string, items: string, close: string) => {
    const trimmed = items.trimEnd();
    const separator = trimmed.trim() === '' ? '' : ', ';
    return `${open}${trimmed}${separator}"${schema}"${items.slice(trimmed.length)}${close}`;
  });
}
