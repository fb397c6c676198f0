import {
  outboxkitSchema,
  type ColumnDefinition,
  type ExtraDefinition,
  type IndexDefinition,
  type OutboxSchemaOptions,
  type SchemaDefinition,
  type TableDefinition,
} from './outboxkit-schema.js';
import { postgresSchemaDialect, type SchemaDialect } from './schema-dialect.js';

export interface OutboxSchemaSqlOptions extends OutboxSchemaOptions {
  /** Default: PostgreSQL. */
  dialect?: SchemaDialect;
}

/**
 * The DDL of outboxkit's tables, for a migration tool of your choice (the Prisma migration
 * generator writes exactly this). For the default names it is what prisma/migrations' outboxkit
 * migrations create, folded into one script. Pure: names are validated, nothing is executed.
 */
export function outboxSchemaSql(options: OutboxSchemaSqlOptions = {}): string {
  const { dialect = postgresSchemaDialect, ...schemaOptions } = options;
  return renderSchemaSql(outboxkitSchema(schemaOptions), dialect);
}

/** What a migration has to do to bring a database's outboxkit tables up to the description. */
export interface SchemaChanges {
  schema: string | undefined;
  createTables: TableDefinition[];
  /** Columns missing from tables that exist (an upgrade). */
  addColumns: Array<{ table: TableDefinition; columns: ColumnDefinition[] }>;
  createIndexes: Array<{ table: TableDefinition; index: IndexDefinition }>;
  extras: Array<{ table: TableDefinition; extra: ExtraDefinition }>;
  /**
   * Indexes of an earlier outboxkit version that an extra of `extras` supersedes (its `replaces`):
   * dropped, just before the extras, by the migration that creates their replacement.
   */
  dropIndexes?: Array<{ name: string; replacedBy: string }>;
}

/** Everything of a description, as changes to an empty database. */
export function allOf(definition: SchemaDefinition): SchemaChanges {
  const { schema, tables } = definition;
  return {
    schema,
    createTables: tables,
    addColumns: [],
    createIndexes: tables.flatMap((table) => table.indexes.map((index) => ({ table, index }))),
    extras: tables.flatMap((table) => table.extras.map((extra) => ({ table, extra }))),
  };
}

/** Renders a schema description: schema, tables, then indexes, then what the ORM cannot express. */
export function renderSchemaSql(definition: SchemaDefinition, dialect: SchemaDialect = postgresSchemaDialect): string {
  return renderSchemaChanges(allOf(definition), dialect);
}

/**
 * Renders changes in Prisma Migrate's order and layout: CREATE SCHEMA, CREATE TABLE, ALTER TABLE
 * ... ADD COLUMN, CREATE INDEX, then — under one comment — the checks and partial indexes.
 * Empty changes render as the empty string.
 */
export function renderSchemaChanges(changes: SchemaChanges, dialect: SchemaDialect = postgresSchemaDialect): string {
  const { schema } = changes;
  const sections: string[] = [];
  if (schema !== undefined && schema !== 'public' && changes.createTables.length > 0) sections.push(dialect.createSchema(schema));
  for (const table of changes.createTables) sections.push(dialect.createTable(table, schema));
  for (const { table, columns } of changes.addColumns) {
    if (columns.length > 0) sections.push(dialect.addColumns(table, columns, schema));
  }
  for (const { table, index } of changes.createIndexes) sections.push(dialect.createIndex(table, index, schema));
  let sql = sections.join('\n');
  const drops = changes.dropIndexes ?? [];
  if (changes.extras.length > 0 || drops.length > 0) {
    const dropped = drops.map(({ name, replacedBy }) => dialect.dropIndex(name, schema, `Superseded by "${replacedBy}".`)).join('');
    const extras = changes.extras.map(({ table, extra }) => dialect.extra(table, extra, schema)).join('');
    sql += `${sql === '' ? '' : '\n'}-- outboxkit: what Prisma's schema language cannot express.\n${dropped}${extras}`;
  }
  return sql;
}
