import { keyHash } from '../sql/key-hash.js';
import type { ColumnDefinition, ExtraDefinition, IndexColumn, IndexDefinition, TableDefinition } from './outboxkit-schema.js';

/**
 * How one database spells outboxkit's tables. `outboxSchemaSql` walks the schema description
 * and asks the dialect for each piece, so adding MySQL means adding a dialect, not touching the
 * description or the generator.
 */
export interface SchemaDialect {
  /** Prisma's provider name for this database (`postgresql`, later `mysql`). */
  readonly provider: string;
  /** A quoted identifier, or a schema-qualified one when `schema` is given. */
  qualify(name: string, schema: string | undefined): string;
  createSchema(schema: string): string;
  createTable(table: TableDefinition, schema: string | undefined): string;
  /** Adds columns to an existing table (an outboxkit upgrade). */
  addColumns(table: TableDefinition, columns: readonly ColumnDefinition[], schema: string | undefined): string;
  createIndex(table: TableDefinition, index: IndexDefinition, schema: string | undefined): string;
  /** SQL for what the ORM cannot express (checks, partial indexes), with its comment line. */
  extra(table: TableDefinition, extra: ExtraDefinition, schema: string | undefined): string;
  /** Drops an index an earlier outboxkit version created (an upgrade), with its comment line. */
  dropIndex(name: string, schema: string | undefined, comment: string): string;
}

/**
 * PostgreSQL, spelled exactly as Prisma Migrate writes it (`-- CreateTable` sections, four-space
 * indentation, `TIMESTAMPTZ(3)`, `CONSTRAINT "<table>_pkey"`), so a generated migration reads like
 * one Prisma wrote and `prisma migrate diff` finds nothing to change.
 */
export const postgresSchemaDialect: SchemaDialect = Object.freeze({
  provider: 'postgresql',

  qualify(name: string, schema: string | undefined): string {
    return schema === undefined ? quote(name) : `${quote(schema)}.${quote(name)}`;
  },

  createSchema(schema: string): string {
    return `-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS ${quote(schema)};\n`;
  },

  createTable(table: TableDefinition, schema: string | undefined): string {
    const columns = table.columns.map((c) => `    ${columnSql(c)},`);
    const pk = `    CONSTRAINT ${quote(table.primaryKey.name)} PRIMARY KEY (${table.primaryKey.columns.map(quote).join(',')})`;
    return `-- CreateTable\nCREATE TABLE ${this.qualify(table.name, schema)} (\n${columns.join('\n')}\n\n${pk}\n);\n`;
  },

  addColumns(table: TableDefinition, columns: readonly ColumnDefinition[], schema: string | undefined): string {
    // Prisma's layout: one statement per table, five spaces after ADD COLUMN.
    const adds = columns.map((c) => `ADD COLUMN     ${columnSql(c)}`).join(',\n');
    return `-- AlterTable\nALTER TABLE ${this.qualify(table.name, schema)} ${adds};\n`;
  },

  createIndex(table: TableDefinition, index: IndexDefinition, schema: string | undefined): string {
    return `-- CreateIndex\nCREATE INDEX ${quote(index.name)} ON ${this.qualify(table.name, schema)}(${index.columns.map(quote).join(', ')});\n`;
  },

  extra(table: TableDefinition, extra: ExtraDefinition, schema: string | undefined): string {
    const target = this.qualify(table.name, schema);
    const comment = `-- ${extra.comment}\n`;
    switch (extra.kind) {
      case 'check-in':
        return (
          comment +
          `ALTER TABLE ${target} ADD CONSTRAINT ${quote(extra.name)}\n` +
          `    CHECK (${quote(extra.column)} IN (${extra.values.map(literal).join(', ')}));\n`
        );
      case 'check-exactly-one':
        return (
          comment +
          `ALTER TABLE ${target} ADD CONSTRAINT ${quote(extra.name)}\n` +
          `    CHECK ((${quote(extra.columns[0])} IS NULL) <> (${quote(extra.columns[1])} IS NULL));\n`
        );
      case 'check-null-and-not-null':
        return (
          comment +
          `ALTER TABLE ${target} ADD CONSTRAINT ${quote(extra.name)}\n` +
          `    CHECK (${quote(extra.isNull)} IS NULL AND ${quote(extra.notNull)} IS NOT NULL);\n`
        );
      case 'partial-index':
        return (
          comment +
          `CREATE INDEX ${quote(extra.name)} ON ${target}(${extra.columns.map(indexColumnSql).join(', ')}) ` +
          `WHERE ${quote(extra.where.column)} = ${literal(extra.where.equals)};\n`
        );
    }
  },

  dropIndex(name: string, schema: string | undefined, comment: string): string {
    return `-- ${comment}\nDROP INDEX IF EXISTS ${this.qualify(name, schema)};\n`;
  },
});

function indexColumnSql(column: IndexColumn): string {
  return typeof column === 'string' ? quote(column) : keyHash(quote(column.hashOf));
}

const POSTGRES_TYPES: Readonly<Record<ColumnDefinition['type'], string>> = Object.freeze({
  uuid: 'UUID',
  serial64: 'BIGSERIAL',
  int64: 'BIGINT',
  int32: 'INTEGER',
  boolean: 'BOOLEAN',
  text: 'TEXT',
  json: 'JSONB',
  bytes: 'BYTEA',
  timestamp: 'TIMESTAMPTZ(3)',
});

function columnSql(column: ColumnDefinition): string {
  let sql = `${quote(column.name)} ${POSTGRES_TYPES[column.type]}`;
  if (!column.nullable) sql += ' NOT NULL';
  const value = postgresDefault(column);
  if (value !== undefined) sql += ` DEFAULT ${value}`;
  return sql;
}

/** The column's DEFAULT expression as PostgreSQL (and Prisma's migrations) write it. */
export function postgresDefault(column: ColumnDefinition): string | undefined {
  const value = column.default;
  if (!value) return undefined;
  switch (value.kind) {
    case 'value':
      return typeof value.value === 'string' ? literal(value.value) : String(value.value);
    case 'json':
      return literal(value.value);
    case 'now':
      return 'CURRENT_TIMESTAMP';
    case 'transaction-id':
      return POSTGRES_TRANSACTION_ID;
  }
}

/** pg_current_xact_id() is an xid8; through text it becomes a plain bigint. */
export const POSTGRES_TRANSACTION_ID = '((pg_current_xact_id())::text)::bigint';

function quote(name: string): string {
  return `"${name}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
