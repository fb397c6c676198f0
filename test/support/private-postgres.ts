// A PostgreSQL server of one test's own, for tests that crash or restart the database: the shared
// server on 127.0.0.1:5432 serves every other test file in parallel and must stay up.
//
// initdb + pg_ctl of the installed PostgreSQL (PG_BIN, else the highest /usr/lib/postgresql/*/bin)
// in a temp dir, on a free loopback port, trust auth, durability settings left at their defaults.
// Run as root (PostgreSQL refuses that), the binaries run as the `postgres` user instead.
// Like scripts/kafka/broker.mjs: stop() always removes the temp dir, an exit hook kills the
// server if the test forgot stop(), and a detached watchdog does it if the test process is
// SIGKILLed and runs no hook at all.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
// @ts-expect-error plain ESM helper shared with scripts/kafka/broker.mjs
import { spawnOrphanWatchdog } from '../../scripts/lib/orphan-watchdog.mjs';

const execFileAsync = promisify(execFile);

export interface PrivatePostgres {
  port: number;
  /** URL of the `postgres` database (trust auth, user postgres). */
  url: string;
  /** URL of another database on this server. */
  databaseUrl(name: string): string;
  dataDir: string;
  logFile: string;
  /** The postmaster's pid while it runs. */
  readonly pid: number | undefined;
  /** `pg_ctl stop -m immediate`: a crash (no checkpoint, sessions cut, unflushed WAL lost). */
  crash(): Promise<void>;
  /** Starts it again on the same port and data dir (crash recovery runs); resolves when it accepts connections. */
  start(): Promise<void>;
  /** crash(), `downMs` of nothing, start(). */
  restart(options?: { downMs?: number; mode?: 'immediate' | 'fast' }): Promise<void>;
  /** Immediate stop (if running) and removal of the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'pg_ctl')));
  if (!dir) throw new Error(`no PostgreSQL binaries under ${root} (install the Debian package \`postgresql\`, or set PG_BIN)`);
  return dir;
}

/** uid/gid to run the server as: ourselves, or the `postgres` user when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root and there is no `postgres` user to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const live = new Set<() => void>();
let hooksInstalled = false;
function installExitHook(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => live.forEach((killSync) => killSync()));
}

/** initdb, then start; the returned handle owns the server and its temp dir. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const user = serverUser();
  const baseDir = await mkdtemp(join(tmpdir(), 'outboxkit-pg-'));
  if (user) chownSync(baseDir, user.uid, user.gid);
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'postgres.log');
  const run = async (tool: string, args: string[]) => {
    try {
      await execFileAsync(join(bin, tool), args, { ...user, cwd: baseDir, timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`${tool} ${args.join(' ')} failed: ${[e.stderr, e.stdout, e.message].filter(Boolean).join('\n').trim()}\n${log.slice(-2000)}`);
    }
  };

  let port = 0;
  let postmasterPid: number | undefined;
  let removed: Promise<void> | undefined;
  const alive = () => {
    if (postmasterPid === undefined) return false;
    try {
      process.kill(postmasterPid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const killSync = () => {
    if (alive()) process.kill(postmasterPid!, 'SIGQUIT');
    rmSync(baseDir, { recursive: true, force: true });
  };

  const start = async () => {
    if (removed) throw new Error('private PostgreSQL was stopped; start a new one');
    await run('pg_ctl', ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile]);
    postmasterPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    spawnOrphanWatchdog({ name: 'outboxkit-pg-watchdog', serverPid: postmasterPid, dir: baseDir, signal: 'QUIT', graceSeconds: 10 });
    // pg_ctl -w returns once the server accepts connections; check over TCP, as the test connects.
    const client = new pg.Client({ connectionString: handle.url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    await client.connect();
    await client.end();
  };
  const crash = async (mode: 'immediate' | 'fast' = 'immediate') => {
    if (!alive()) return;
    await run('pg_ctl', ['stop', '-w', '-t', '60', '-m', mode, '-D', dataDir]);
    postmasterPid = undefined;
  };

  const handle: PrivatePostgres = {
    get port() {
      return port;
    },
    get url() {
      return `postgresql://postgres@127.0.0.1:${port}/postgres`;
    },
    databaseUrl: (name) => `postgresql://postgres@127.0.0.1:${port}/${name}`,
    dataDir,
    logFile,
    get pid() {
      return alive() ? postmasterPid : undefined;
    },
    crash: () => crash('immediate'),
    start,
    async restart({ downMs = 0, mode = 'immediate' } = {}) {
      await crash(mode);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stop() {
      removed ??= (async () => {
        await crash('immediate').catch(() => {
          if (alive()) process.kill(postmasterPid!, 'SIGQUIT'); // what -m immediate sends
        });
        live.delete(killSync);
        rmSync(baseDir, { recursive: true, force: true });
      })();
      return removed;
    },
  } as PrivatePostgres;

  installExitHook();
  live.add(killSync);
  try {
    port = await freePort();
    await run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions']);
    // Loopback TCP only, the socket in our own dir (not the system cluster's), a small footprint.
    // fsync, synchronous_commit, wal_writer_delay: PostgreSQL's defaults, so a crash behaves as in production.
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${baseDir}'`,
        'max_connections = 50',
        'shared_buffers = 32MB',
        "log_min_messages = 'warning'",
        '',
      ].join('\n'),
    );
    await start();
  } catch (err) {
    await handle.stop().catch(() => {});
    throw err;
  }
  return handle;
}
