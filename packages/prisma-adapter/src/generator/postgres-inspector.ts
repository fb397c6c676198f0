import { InvalidConfigError } from '@outboxkit/core';
import type { ColumnType, TableDefinition } from '@outboxkit/core/internal';
import type { DatabaseInspection } from './database-inspection.js';

/** information_schema's udt_name for each logical type. */
const UDT_NAMES: Readonly<Record<ColumnType, string>> = Object.freeze({
  uuid: 'uuid',
  serial64: 'int8',
  int64: 'int8',
  int32: 'int4',
  boolean: 'bool',
  text: 'text',
  json: 'jsonb',
  bytes: 'bytea',
  timestamp: 'timestamptz',
});

interface PgClient {
  connect(): Promise<unknown>;
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Compares a live PostgreSQL database with what outboxkit needs: tables, columns (with their
 * types), indexes and check constraints, read from information_schema and pg_catalog. `pg` is
 * loaded only here, when `--check` is given a database: the Prisma 7 PostgreSQL adapter depends
 * on it, so projects using outboxkit have it.
 */
export async function inspectPostgres(
  databaseUrl: string,
  schema: string | undefined,
  tables: readonly TableDefinition[],
): Promise<DatabaseInspection> {
  const url = parseDatabaseUrl(databaseUrl);
  const urlSchema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  const schemaName = schema ?? (urlSchema || 'public');
  const client = await connect(url.toString());
  try {
    const names = tables.map((t) => t.name);
    const { rows: columns } = await client.query<{ table_name: string; column_name: string; udt_name: string }>(
      `SELECT table_name, column_name, udt_name FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = ANY($2::text[])`,
      [schemaName, names],
    );
    const { rows: relations } = await client.query<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1`,
      [schemaName],
    );
    const { rows: checks } = await client.query<{ name: string }>(
      `SELECT con.conname AS name FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
        WHERE n.nspname = $1 AND con.contype = 'c'`,
      [schemaName],
    );
    const relationNames = new Set(relations.map((r) => r.name));
    const checkNames = new Set(checks.map((c) => c.name));
    const problems: string[] = [];
    for (const table of tables) {
      const present = columns.filter((c) => c.table_name === table.name);
      const where = `"${schemaName}"."${table.name}"`;
      if (present.length === 0) {
        problems.push(`database: table ${where} does not exist`);
        continue;
      }
      for (const column of table.columns) {
        const found = present.find((c) => c.column_name === column.name);
        const expected = UDT_NAMES[column.type];
        if (!found) problems.push(`database: table ${where} has no column "${column.name}" (${expected})`);
        else if (found.udt_name !== expected) {
          problems.push(`database: column ${where}."${column.name}" is ${found.udt_name}, expected ${expected}`);
        }
      }
      for (const index of [table.primaryKey.name, ...table.indexes.map((i) => i.name)]) {
        if (!relationNames.has(index)) problems.push(`database: index "${index}" on ${where} does not exist`);
      }
      for (const extra of table.extras) {
        const exists = extra.kind === 'partial-index' ? relationNames.has(extra.name) : checkNames.has(extra.name);
        if (!exists) problems.push(`database: ${extra.kind === 'partial-index' ? 'index' : 'check constraint'} "${extra.name}" on ${where} does not exist`);
      }
    }
    return { problems };
  } finally {
    await client.end().catch(() => {});
  }
}

async function connect(connectionString: string): Promise<PgClient> {
  let pg: { default?: { Client: new (config: object) => PgClient }; Client?: new (config: object) => PgClient };
  try {
    pg = (await import('pg')) as typeof pg;
  } catch (error) {
    throw new InvalidConfigError('--database-url', `checking a PostgreSQL database needs the "pg" package: install it (${String(error)})`);
  }
  const Client = pg.default?.Client ?? pg.Client;
  if (!Client) throw new InvalidConfigError('--database-url', 'the installed "pg" package has no Client');
  const client = new Client({ connectionString, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    // pg's message names only the address; the URL (and its password) stays out of it.
    const reason = error instanceof Error ? error.message : 'connection failed';
    throw new InvalidConfigError(
      '--database-url',
      `cannot connect to the database to check it (${reason}): is it running and reachable? ` +
        'pass the right --database-url (or DATABASE_URL), or leave it out to check only the schema and the migrations',
    );
  }
  return client;
}

/** A URL pg can use, or a typed error that never repeats the text (it may hold a password). */
function parseDatabaseUrl(databaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new InvalidConfigError('--database-url', 'is not a URL: use postgresql://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new InvalidConfigError('--database-url', `has the scheme "${url.protocol}", expected postgresql:// (only PostgreSQL databases can be checked)`);
  }
  return url;
}
