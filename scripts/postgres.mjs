// PostgreSQL for the tests, the demo and the benchmarks: find (or start) a server, and create
// and drop throwaway databases on it (createOwnedDatabase: ones a script may drop on a server it
// does not own).
//
// The server is the one DATABASE_URL points at when it is set (its database part is replaced
// by `postgres` for the admin connection, and by the database's own name in databaseUrl());
// otherwise the local Debian cluster at postgresql://postgres@127.0.0.1:5432/postgres, which
// ensurePostgres() starts with pg_ctlcluster when it is not accepting connections.
//
// Plain ESM on node builtins and `pg`, so it runs before anything is built.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

export const LOCAL_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/;
const READY_TIMEOUT_MS = 60_000;

/** The server URL every function here works against: DATABASE_URL when set, else the local one. */
function serverUrl() {
  return process.env.DATABASE_URL || LOCAL_URL;
}

function validateName(name, what = 'database name') {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new Error(`invalid ${what} ${JSON.stringify(name)}: must match ${NAME_RE}`);
  }
  return name;
}

/** URL of the database `name` on the server (DATABASE_URL's server, or the local one). */
export function databaseUrl(name) {
  validateName(name);
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Admin connection: the server's `postgres` database. */
function adminUrl() {
  return databaseUrl('postgres');
}

function isLoopback(url) {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Whether `url` names the local Debian cluster (loopback, port 5432), which we may start. */
function isLocalCluster(url) {
  const port = new URL(url).port || '5432';
  return isLoopback(url) && port === '5432';
}

/** Runs `fn` with a connected client and always closes it. Shared with the benchmark. */
export async function withClient(connectionString, fn, { connectTimeoutMs = 5_000 } = {}) {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
  // A server going away mid-session is reported as an 'error' event; without a listener the
  // process would crash instead of the pending query rejecting.
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function acceptsConnections(url) {
  try {
    await withClient(url, (c) => c.query('SELECT 1'), { connectTimeoutMs: 2_000 });
    return true;
  } catch (err) {
    return err;
  }
}

async function waitUntilReady(url, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await acceptsConnections(url);
    if (last === true) return;
    if (Date.now() > deadline) {
      throw new Error(
        `PostgreSQL at ${redact(url)} did not accept connections within ${timeoutMs} ms: ${last?.message ?? last}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function redact(url) {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** The Debian cluster version to manage: the highest one under /etc/postgresql. */
function localClusterVersion() {
  const dir = '/etc/postgresql';
  const versions = existsSync(dir)
    ? readdirSync(dir).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL is not accepting connections and no local cluster was found under /etc/postgresql ' +
        '(install the Debian package `postgresql`, or set DATABASE_URL to a running server)',
    );
  }
  return versions[0];
}

async function pgCtlCluster(action, options = []) {
  const version = localClusterVersion();
  const args = ['--skip-systemctl-redirect', ...options, version, 'main', action];
  try {
    await execFileAsync('pg_ctlcluster', args, { timeout: 120_000 });
  } catch (err) {
    const detail = [err.stderr, err.stdout, err.message].filter(Boolean).join('\n').trim();
    throw new Error(`pg_ctlcluster ${args.join(' ')} failed: ${detail}`);
  }
}

let ready = null;

/**
 * Makes sure the server accepts connections and returns its admin URL (the server's `postgres`
 * database). With DATABASE_URL unset (or naming a loopback address, port 5432) a stopped local
 * cluster is started with pg_ctlcluster; any other DATABASE_URL that does not answer is an error.
 */
export async function ensurePostgres() {
  ready ??= (async () => {
    const url = adminUrl();
    const first = await acceptsConnections(url);
    if (first === true) return url;
    if (!isLocalCluster(url)) {
      throw new Error(`PostgreSQL at ${redact(url)} (from DATABASE_URL) does not accept connections: ${first.message}`);
    }
    try {
      await pgCtlCluster('start');
    } catch (err) {
      // Another process may have started it at the same time; only give up if it is still down.
      if ((await acceptsConnections(url)) !== true) {
        throw new Error(`PostgreSQL at ${redact(url)} does not accept connections (${first.message}), and starting it failed: ${err.message}`);
      }
    }
    await waitUntilReady(url);
    return url;
  })();
  try {
    return await ready;
  } catch (err) {
    ready = null; // let a later call try again
    throw err;
  }
}

function quoteIdent(name) {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * (Re)creates the database `name` — dropping an existing one WITH (FORCE) first — optionally as a
 * copy of `template`, and returns its URL.
 */
export async function createDatabase(name, { template } = {}) {
  validateName(name);
  if (template !== undefined) validateName(template, 'template name');
  await ensurePostgres();
  await withClient(adminUrl(), async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    const sql = `CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`;
    // CREATE DATABASE ... TEMPLATE fails with 55006 while anyone is connected to the template;
    // such sessions are usually short (another createDatabase, a closing pool), so retry a while.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await client.query(sql);
        return;
      } catch (err) {
        if (err.code !== '55006' || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return databaseUrl(name);
}

/** Drops the database `name` (WITH (FORCE): open sessions are terminated); no error if absent. */
export async function dropDatabase(name) {
  validateName(name);
  await ensurePostgres();
  await withClient(adminUrl(), (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

// ---- databases a process owns: created under a fresh name, marked, dropped only with the mark ----
//
// For a script that runs against a server it does not own (the demo uses whatever DATABASE_URL
// names): it creates a database under a name nobody has (prefix + random suffix; CREATE DATABASE
// fails rather than replace one), marks it with COMMENT ON DATABASE, and drops it only while the
// mark is its own. A database someone else made — whatever it is called — is never touched.

const OWNED_MARK = 'outboxkit-owned ';

function ownershipMark(prefix, token) {
  return `${OWNED_MARK}${JSON.stringify({ prefix, token, host: hostname(), pid: process.pid, createdAt: new Date().toISOString() })}`;
}

function readOwnershipMark(comment) {
  if (typeof comment !== 'string' || !comment.startsWith(OWNED_MARK)) return undefined;
  try {
    const mark = JSON.parse(comment.slice(OWNED_MARK.length));
    return mark && typeof mark === 'object' ? mark : undefined;
  } catch {
    return undefined;
  }
}

async function databaseComment(client, name) {
  const { rows } = await client.query(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [name]);
  return rows.length === 0 ? { exists: false } : { exists: true, comment: rows[0].comment };
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code !== 'ESRCH'; // EPERM: alive, someone else's
  }
}

/**
 * Creates a database `<prefix>_<random>` marked as this process's, and returns its name, URL and
 * `drop()`, which drops it only while it still carries that mark (and throws otherwise).
 */
export async function createOwnedDatabase(prefix) {
  validateName(prefix, 'database prefix');
  const token = randomBytes(6).toString('hex');
  const name = validateName(`${prefix}_${token}`);
  await ensurePostgres();
  await withClient(adminUrl(), async (client) => {
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    await client.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${client.escapeLiteral(ownershipMark(prefix, token))}`);
  });
  return { name, url: databaseUrl(name), drop: () => dropOwnedDatabase(name, token) };
}

async function dropOwnedDatabase(name, token) {
  await withClient(adminUrl(), async (client) => {
    const found = await databaseComment(client, name);
    if (!found.exists) return;
    if (readOwnershipMark(found.comment)?.token !== token) {
      throw new Error(`refusing to drop database ${name}: it does not carry the mark this run set on it (was it replaced?); drop it yourself if it is not needed`);
    }
    await client.query(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`);
  });
}

/**
 * Drops the databases `<prefix>_…` that a process of this host created with createOwnedDatabase
 * and that is gone now (killed before it could drop them); returns their names. One of a process
 * still running, of another host, or without the mark is left alone.
 */
export async function dropAbandonedDatabases(prefix) {
  validateName(prefix, 'database prefix');
  await ensurePostgres();
  return withClient(adminUrl(), async (client) => {
    const { rows } = await client.query(
      `SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE starts_with(datname, $1)`,
      [`${prefix}_`],
    );
    const dropped = [];
    for (const { datname, comment } of rows) {
      const mark = readOwnershipMark(comment);
      if (!mark || mark.prefix !== prefix || datname !== `${prefix}_${mark.token}`) continue;
      if (mark.host !== hostname() || !Number.isInteger(mark.pid) || isAlive(mark.pid)) continue;
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
      dropped.push(datname);
    }
    return dropped;
  });
}

/**
 * Restarts the local cluster (for resilience tests): every open connection is cut. With
 * `downMs` the server is stopped, kept down that long, then started. Resolves once it accepts
 * connections again. Only for the local cluster: throws when DATABASE_URL names another host.
 */
export async function restartPostgres({ downMs = 0 } = {}) {
  const url = adminUrl();
  if (!isLocalCluster(url)) {
    throw new Error(`restartPostgres() manages only the local cluster (127.0.0.1:5432), not ${redact(url)}`);
  }
  if (downMs > 0) {
    await pgCtlCluster('stop', ['-m', 'fast']);
    await new Promise((r) => setTimeout(r, downMs));
    await pgCtlCluster('start');
  } else {
    await pgCtlCluster('restart', ['-m', 'fast']);
  }
  await waitUntilReady(url);
}
