// Applies prisma/migrations to a PostgreSQL database the way `prisma migrate deploy` does.
//
// Why this exists: `prisma migrate` needs Prisma's native schema engine, a binary the Prisma
// CLI downloads from Prisma's own servers at first use. That download is not possible on this
// project's machines (and CI), so the migrations are applied here instead, with `pg`.
//
// It keeps Prisma's bookkeeping exactly, so a database migrated here and one migrated by
// `prisma migrate deploy` are interchangeable: `prisma migrate deploy` / `migrate status`
// run elsewhere against a database migrated here see every migration as applied, and this
// script sees the ones Prisma applied. What it reproduces, from prisma-engines'
// schema-engine (sql-schema-connector, schema-connector/src/checksum.rs, core apply_migrations.rs)
// and the CLI's migrations-directory reader:
//   - the `_prisma_migrations` table, with Prisma's own DDL, created in the connection's schema
//     (the URL's `?schema=`, default `public`); like Prisma, it refuses (P3005) to start the
//     history on a schema that already has tables but no `_prisma_migrations`;
//   - migrations = the sub-directories of the migrations folder, sorted by name with
//     String#localeCompare, each one's `migration.sql` read as UTF-8; the provider in
//     migration_lock.toml must be `postgresql` (P3019);
//   - checksum = lowercase hex SHA-256 of the script's UTF-8 bytes, as read (no line-ending
//     normalisation when recording); a recorded checksum matches when it equals the checksum
//     of the script, of the script with CRLF→LF, or with LF→CRLF (and Prisma's old
//     non-zero-padded hex form is accepted for old rows);
//   - the session advisory lock 72707369 around the whole run, so concurrent appliers (this
//     script or Prisma) never race;
//   - a row with finished_at NULL and rolled_back_at NULL is a failed migration: nothing more
//     is applied until it is resolved (P3009; `prisma migrate resolve`, or mark the row
//     rolled back by hand);
//   - per migration: a row (random UUID id, checksum, started_at, migration_name) inserted
//     before the script runs; on success applied_steps_count = 1 and finished_at set; on
//     failure the error is written to `logs` and finished_at stays NULL.
// Where it differs on purpose:
//   - a migration already applied whose migration.sql has changed since is an error here
//     (`migrate deploy` ignores it, `migrate dev`/`migrate status` report it);
//   - the script and the two bookkeeping updates run in one explicit transaction, so a crash
//     cannot leave an applied script without its finished_at. Prisma sends the script as one
//     simple-protocol query, which PostgreSQL also runs as one (implicit) transaction, so a
//     script Prisma can apply can be applied here — except a single statement that refuses to
//     run inside a transaction block (CREATE INDEX CONCURRENTLY, ...), which Prisma would run
//     alone; put such statements in a migration of their own and apply it with Prisma.
//
// CLI: node scripts/migrate.mjs [databaseUrl]     (default: $DATABASE_URL)

import { createHash, randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_MIGRATIONS_DIR = path.join(REPO_ROOT, 'prisma', 'migrations');

/** Prisma Migrate's advisory lock id (prisma-engines, sql-schema-connector flavour/postgres.rs). */
export const PRISMA_ADVISORY_LOCK_ID = 72707369;
const MIGRATIONS_TABLE = '_prisma_migrations';

// Verbatim from prisma-engines (PostgresFlavour::create_migrations_table).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
`;

function sha256(text) {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Prisma's checksum of a migration script: lowercase, zero-padded hex SHA-256 of its UTF-8 bytes. */
export function migrationChecksum(script) {
  return sha256(script).toString('hex');
}

/** Prisma's script_matches_checksum: line-ending agnostic, accepts the old unpadded hex form. */
export function scriptMatchesChecksum(script, checksum) {
  const variants = [script, script.replaceAll('\r\n', '\n'), script.replaceAll('\n', '\r\n')];
  return variants.some((variant) => {
    const digest = sha256(variant);
    const rendered =
      checksum.length !== 0 && checksum.length !== 64
        ? [...digest].map((b) => b.toString(16)).join('') // prisma-engines#1887: old rows
        : digest.toString('hex');
    return rendered === checksum;
  });
}

/** Reads the migrations folder as Prisma's CLI does. */
export async function readMigrations(migrationsDir = DEFAULT_MIGRATIONS_DIR) {
  const lockContent = await readFile(path.join(migrationsDir, 'migration_lock.toml'), 'utf8').catch(() => null);
  if (lockContent !== null) {
    const line = lockContent.split(/\r?\n/).find((l) => l.startsWith('provider'));
    const provider = line ? line.replace(/^provider = /, '').replace(/^"+|"+$/g, '') : '<PROVIDER NOT FOUND>';
    if (provider !== 'postgresql') {
      throw new Error(
        `P3019: The datasource provider \`postgresql\` does not match the one specified in the migration_lock.toml, \`${provider}\` (${migrationsDir}).`,
      );
    }
  }
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error(`migrations directory not found: ${migrationsDir}`);
    throw err;
  }
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort((a, b) => a.localeCompare(b));
  const migrations = [];
  for (const name of dirs) {
    const file = path.join(migrationsDir, name, 'migration.sql');
    let script;
    try {
      script = await readFile(file, 'utf8');
    } catch (err) {
      if (err.code === 'ENOENT') {
        throw new Error(`P3015: Could not find the migration file at ${file}. Please delete the directory or restore the migration file.`);
      }
      throw err;
    }
    migrations.push({ name, file, script, checksum: migrationChecksum(script) });
  }
  return migrations;
}

/** Prisma reads `?schema=` (default public) and works in that schema; pg does not know the parameter. */
function splitSchemaParam(databaseUrl) {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), schema: schema || null };
}

function quoteIdent(name) {
  return `"${name.replace(/"/g, '""')}"`;
}

function formatTimestamp(date) {
  return date instanceof Date ? date.toISOString().replace('T', ' ').replace('Z', ' UTC') : String(date);
}

async function acquireLock(client, lockTimeoutMs) {
  await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
  try {
    await client.query(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK_ID})`);
  } catch (err) {
    if (err.code === '55P03') {
      throw new Error(
        `P1002: Timed out trying to acquire a postgres advisory lock (SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK_ID})). Elapsed: ${lockTimeoutMs}ms. ` +
          'Another migration run (this script or prisma migrate) holds it.',
      );
    }
    throw err;
  } finally {
    await client.query('RESET lock_timeout').catch(() => {});
  }
}

/** Prisma's MigrationPersistence::initialize: create the table, unless the schema already has tables. */
async function initializePersistence(client) {
  const { rows } = await client.query(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`,
  );
  if (rows.some((r) => r.relname === MIGRATIONS_TABLE)) return;
  if (rows.length > 0) {
    throw new Error(
      `P3005: The database schema is not empty (tables: ${rows.map((r) => r.relname).join(', ')}) and has no ${MIGRATIONS_TABLE} table. ` +
        'Read more about how to baseline an existing production database: https://pris.ly/d/migrate-baseline',
    );
  }
  await client.query(CREATE_MIGRATIONS_TABLE);
}

/**
 * Applies every migration of `migrationsDir` not yet recorded in `_prisma_migrations`, in name
 * order, recording each exactly as `prisma migrate deploy` does. Resolves to the names of the
 * migrations it applied (empty when there was nothing to do).
 *
 * @param {string} databaseUrl
 * @param {string} [migrationsDir]
 * @param {{ lockTimeoutMs?: number, log?: (line: string) => void }} [options]
 * @returns {Promise<string[]>}
 */
export async function applyMigrations(databaseUrl, migrationsDir = DEFAULT_MIGRATIONS_DIR, options = {}) {
  const { lockTimeoutMs = 60_000, log = () => {} } = options;
  if (!databaseUrl) throw new Error('applyMigrations: no database URL given');
  const migrations = await readMigrations(migrationsDir);

  const { connectionString, schema } = splitSchemaParam(databaseUrl);
  const client = new pg.Client({ connectionString });
  client.on('error', () => {}); // a dropped connection rejects the pending query instead
  await client.connect();
  try {
    if (schema) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query(`SET search_path = ${quoteIdent(schema)}`);
    }
    // Session-level lock, held until unlocked or the connection ends (as Prisma does).
    await acquireLock(client, lockTimeoutMs);
    try {
      await initializePersistence(client);
      const { rows: records } = await client.query(
        `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
           FROM ${MIGRATIONS_TABLE} ORDER BY started_at ASC`,
      );

      const failed = records.filter((r) => r.finished_at === null && r.rolled_back_at === null);
      if (failed.length > 0) {
        const details = failed
          .map((r) => {
            const logs = r.logs?.trim() ? ` with the following logs:\n${r.logs.trim()}` : '';
            return `The \`${r.migration_name}\` migration started at ${formatTimestamp(r.started_at)} failed${logs}\n`;
          })
          .join('');
        throw new Error(
          'P3009: migrate found failed migrations in the target database, new migrations will not be applied. ' +
            'Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n' +
            details,
        );
      }

      const live = records.filter((r) => r.rolled_back_at === null);
      const byName = new Map(migrations.map((m) => [m.name, m]));
      const modified = live.filter((r) => byName.has(r.migration_name) && !scriptMatchesChecksum(byName.get(r.migration_name).script, r.checksum));
      if (modified.length > 0) {
        throw new Error(
          modified.map((r) => `The migration \`${r.migration_name}\` was modified after it was applied (recorded checksum ${r.checksum}, ${byName.get(r.migration_name).file} now has ${byName.get(r.migration_name).checksum}).`).join('\n') +
            '\nApplied migrations must not be edited: restore the file, or add a new migration.',
        );
      }
      const missing = live.filter((r) => !byName.has(r.migration_name));
      for (const r of missing) {
        log(`warning: migration \`${r.migration_name}\` is recorded as applied but missing from ${migrationsDir}`);
      }

      const appliedNames = new Set(live.map((r) => r.migration_name));
      const pending = migrations.filter((m) => !appliedNames.has(m.name));
      const applied = [];
      for (const migration of pending) {
        log(`Applying migration \`${migration.name}\``);
        const id = randomUUID();
        await client.query(
          `INSERT INTO ${MIGRATIONS_TABLE} (id, checksum, started_at, migration_name) VALUES ($1, $2, $3, $4)`,
          [id, migration.checksum, new Date(), migration.name],
        );
        try {
          await client.query('BEGIN');
          await client.query(migration.script); // no parameters: simple protocol, many statements
          await client.query(
            `UPDATE ${MIGRATIONS_TABLE} SET applied_steps_count = applied_steps_count + 1 WHERE id = $1`,
            [id],
          );
          await client.query(`UPDATE ${MIGRATIONS_TABLE} SET finished_at = $2 WHERE id = $1`, [id, new Date()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          const message =
            'P3018: A migration failed to apply. New migrations cannot be applied before the error is recovered from. ' +
            'Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n' +
            `Migration name: ${migration.name}\n\nDatabase error code: ${err.code ?? 'none'}\n\nDatabase error:\n${err.message}\n`;
          await client
            .query(`UPDATE ${MIGRATIONS_TABLE} SET logs = $2 WHERE id = $1`, [id, message])
            .catch(() => {});
          throw Object.assign(new Error(message, { cause: err }), { migrationName: migration.name });
        }
        applied.push(migration.name);
      }
      return applied;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${PRISMA_ADVISORY_LOCK_ID})`).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}

function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}

async function main() {
  const databaseUrl = process.argv[2] || process.env.DATABASE_URL;
  if (!databaseUrl || databaseUrl === '-h' || databaseUrl === '--help') {
    console.error('usage: node scripts/migrate.mjs [databaseUrl]   (default: $DATABASE_URL)');
    process.exit(databaseUrl ? 0 : 2);
  }
  const dir = path.relative(process.cwd(), DEFAULT_MIGRATIONS_DIR) || '.';
  console.log(`Applying migrations from ${dir} to ${redact(databaseUrl)}`);
  const applied = await applyMigrations(databaseUrl, DEFAULT_MIGRATIONS_DIR, { log: (l) => console.log(l) });
  if (applied.length === 0) {
    console.log('No pending migrations to apply.');
  } else {
    console.log(`The following migration(s) have been applied:\n${applied.map((n) => `  ${n}`).join('\n')}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
