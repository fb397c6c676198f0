import { InvalidConfigError } from '@outboxkit/core';
import {
  POSTGRES_TRANSACTION_ID,
  postgresSchemaDialect,
  type ColumnDefinition,
  type ColumnType,
  type SchemaDialect,
  type TableDefinition,
} from '@outboxkit/core/internal';
import type { DatabaseInspection } from './database-inspection.js';
import { inspectPostgres } from './postgres-inspector.js';

/** A Prisma field as the model renderer writes it. */
export interface PrismaFieldSpec {
  /** `String`, `BigInt?`, ... */
  type: string;
  /** Field attributes after `@id` / `@default` / `@map`: the native type (`@db.Uuid`). */
  nativeType: string | undefined;
  /** `@default(...)` argument, if any. */
  defaultValue: string | undefined;
}

/**
 * Everything the generator needs to know about one database: its DDL (core's SchemaDialect),
 * how outboxkit's logical column types become Prisma field types and native types, and how to
 * look at a live database for `--check`. PostgreSQL now; a MySQL dialect plugs in here.
 */
export interface GeneratorDialect {
  /** The datasource `provider` this dialect serves. */
  readonly provider: string;
  readonly sql: SchemaDialect;
  field(column: ColumnDefinition): PrismaFieldSpec;
  inspect(databaseUrl: string, schema: string | undefined, tables: readonly TableDefinition[]): Promise<DatabaseInspection>;
}

const POSTGRES_FIELDS: Readonly<Record<ColumnType, { type: string; nativeType?: string }>> = Object.freeze({
  uuid: { type: 'String', nativeType: '@db.Uuid' },
  serial64: { type: 'BigInt' },
  int64: { type: 'BigInt' },
  int32: { type: 'Int' },
  boolean: { type: 'Boolean' },
  text: { type: 'String' },
  json: { type: 'Json' },
  bytes: { type: 'Bytes' },
  timestamp: { type: 'DateTime', nativeType: '@db.Timestamptz(3)' },
});

export const postgresGeneratorDialect: GeneratorDialect = Object.freeze({
  provider: 'postgresql',
  sql: postgresSchemaDialect,
  field(column: ColumnDefinition): PrismaFieldSpec {
    const mapped = POSTGRES_FIELDS[column.type];
    return {
      type: mapped.type + (column.nullable ? '?' : ''),
      nativeType: mapped.nativeType,
      defaultValue: column.type === 'serial64' ? 'autoincrement()' : prismaDefault(column),
    };
  },
  inspect: inspectPostgres,
});

function prismaDefault(column: ColumnDefinition): string | undefined {
  const value = column.default;
  if (!value) return undefined;
  switch (value.kind) {
    case 'value':
      return typeof value.value === 'string' ? JSON.stringify(value.value) : String(value.value);
    case 'json':
      return JSON.stringify(value.value);
    case 'now':
      return 'now()';
    case 'transaction-id':
      return `dbgenerated(${JSON.stringify(POSTGRES_TRANSACTION_ID)})`;
  }
}

const DIALECTS: readonly GeneratorDialect[] = [postgresGeneratorDialect];

/** The dialect for a datasource provider; a clear error for providers not supported yet. */
export function dialectForProvider(provider: string | undefined): GeneratorDialect {
  const dialect = DIALECTS.find((d) => d.provider === provider);
  if (!dialect) {
    throw new InvalidConfigError(
      'datasource provider',
      `"${String(provider)}" is not supported by the generator yet (supported: ${DIALECTS.map((d) => d.provider).join(', ')})`,
    );
  }
  return dialect;
}
