import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@outboxkit/test-support/servers';
// @ts-expect-error plain ESM helpers shared with the demo and the benchmark
import { ensurePostgres, withClient } from '../../scripts/postgres.mjs';
// @ts-expect-error plain ESM: the demo's own database handling
import { openDemoDatabase } from '../../scripts/demo.mjs';

/**
 * `npm run demo` runs against whatever server DATABASE_URL names, so it must only ever drop the
 * database it created itself: a database of the user's that happens to be called like the
 * demo's survives a run, and so does one of another demo run still going.
 */
const POSTGRES = fileURLToPath(new URL('../../scripts/postgres.mjs', import.meta.url));
/** The server's admin URL (DATABASE_URL's server, or the local one), as the demo uses it. */
const adminUrl: string = await ensurePostgres();

const admin = <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => withClient(adminUrl, fn);

async function exists(name: string): Promise<boolean> {
  return admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

/** A database of "the user's", with a row in it, created here only when it is not there yet. */
async function usersDatabase(name: string): Promise<{ name: string; createdHere: boolean }> {
  const createdHere = await admin(async (c) => {
    try {
      await c.query(`CREATE DATABASE "${name}"`);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === '42P04') return false; // already there: leave it be
      throw error;
    }
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await withClient(url.toString(), async (c: pg.Client) => {
    await c.query('CREATE TABLE IF NOT EXISTS users_data (n int)');
    await c.query('INSERT INTO users_data VALUES (1)');
  });
  return { name, createdHere };
}

const created: string[] = [];
afterAll(async () => {
  for (const name of created) await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
});

describe('the demo\'s database', () => {
  it('is one it creates for the run, and dropping it leaves databases named like it alone', async () => {
    // The name the demo used to drop and recreate, and one in the form the demo's names take now.
    const fixedName = await usersDatabase('outboxkit_demo');
    if (fixedName.createdHere) created.push(fixedName.name);
    const lookalike = await usersDatabase(uniqueName('outboxkit_demo'));
    created.push(lookalike.name);

    const demo = await openDemoDatabase();
    expect(demo.name).not.toBe('outboxkit_demo');
    expect(demo.name).toMatch(/^outboxkit_demo_[0-9a-f]+$/);
    expect(await exists(demo.name)).toBe(true);
    await demo.drop();

    expect(await exists(demo.name)).toBe(false);
    for (const name of [fixedName.name, lookalike.name]) {
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const rows = await withClient(url.toString(), async (c: pg.Client) => (await c.query('SELECT n FROM users_data')).rows);
      expect(rows.length, name).toBeGreaterThan(0);
    }
  });

  it('refuses to drop a database of its name that no longer carries its mark', async () => {
    const demo = await openDemoDatabase();
    created.push(demo.name);
    await admin((c) => c.query(`COMMENT ON DATABASE "${demo.name}" IS 'replaced by someone else'`));
    await expect(demo.drop()).rejects.toThrow(/refusing to drop database .* does not carry the mark this run set/);
    expect(await exists(demo.name)).toBe(true);
  });

  it('a database left by a demo run that was killed goes on the next run; one of a run still going stays', async () => {
    // A run that dies without cleaning up: creates its database and exits.
    const leftover = await new Promise<string>((resolve, reject) => {
      const script = `import { createOwnedDatabase } from ${JSON.stringify(POSTGRES)}; const db = await createOwnedDatabase('outboxkit_demo'); console.log(db.name); process.exit(0);`;
      execFile(process.execPath, ['--input-type=module', '-e', script], (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
    });
    created.push(leftover);
    expect(await exists(leftover)).toBe(true);
    const running = await openDemoDatabase(); // this process: alive
    created.push(running.name);

    const next = await openDemoDatabase();
    created.push(next.name);
    expect(await exists(leftover)).toBe(false);
    expect(await exists(running.name)).toBe(true);
    await next.drop();
    await running.drop();
  });
});
