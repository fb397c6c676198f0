import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Hostile and mistaken input to the `outboxkit` generator CLI, run as a user runs it: every case
 * exits 2, says what was wrong (naming the option) and what to do, repeats no secret, and leaves
 * the project's files exactly as they were.
 */
const BIN = fileURLToPath(new URL('../../../packages/prisma-adapter/bin/outboxkit.js', import.meta.url));

const SCHEMA = `datasource db {
  provider = "postgresql"
}

generator client {
  provider = "prisma-client"
  output   = "./generated"
}

model Customer {
  id    Int    @id @default(autoincrement())
  email String
}
`;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function outboxkit(cwd: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, DATABASE_URL: '' }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = entry.isFile() ? await readFile(file, 'utf8') : '<dir>';
  }
  return files;
}

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'outboxkit-hostile-generator-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh project per case: one schema file (or the given files) and an empty migrations folder. */
async function project(files: Record<string, string> = { 'prisma/schema.prisma': SCHEMA }): Promise<string> {
  const dir = await mkdtemp(path.join(root, 'project-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    if (name.endsWith('/')) await mkdir(path.join(dir, name), { recursive: true });
    else await writeFile(path.join(dir, name), content);
  }
  return dir;
}

const SECRET = 's3cret-Pa55word';

interface HostileCase {
  name: string;
  args: string[];
  files?: Record<string, string>;
  /** Fragments the error must contain: what was wrong (the option) and what to do. */
  says: RegExp[];
}

const cases: HostileCase[] = [
  { name: 'no command', args: [], says: [/no command given/, /usage:/] },
  { name: 'a typo in the command', args: ['prisma', 'innit'], says: [/unknown command "prisma innit"/, /usage:/] },
  { name: 'an unknown payload mode', args: ['prisma', 'init', '--payload', 'xml'], says: [/--payload must be json or bytes/, /"xml"/] },
  { name: 'an option without its value', args: ['prisma', 'init', '--payload'], says: [/--payload/, /argument missing/] },
  { name: 'an unknown option', args: ['prisma', 'init', '--tables', 'x'], says: [/Unknown option '--tables'/, /usage:/] },
  {
    name: 'SQL in a table name',
    args: ['prisma', 'init', '--outbox-table', 'x; DROP TABLE "Customer"'],
    says: [/tables\.outbox/, /not an accepted SQL identifier/, /letters, digits and "_"/],
  },
  { name: 'a table name starting with a digit', args: ['prisma', 'init', '--outbox-table', '1outbox'], says: [/tables\.outbox/, /starting with a letter or "_"/] },
  { name: 'a table name longer than PostgreSQL keeps', args: ['prisma', 'init', '--inbox-table', 'i'.repeat(64)], says: [/tables\.inbox/, /at most 63 characters/] },
  { name: 'a quote in a table name (sql)', args: ['sql', '--marker-table', 'a"b'], says: [/tables\.marker/, /not an accepted SQL identifier/] },
  { name: 'two tables with one name', args: ['prisma', 'init', '--inbox-table', 'outbox_message'], says: [/tables/, /need different names/] },
  { name: 'a schema file that does not exist', args: ['prisma', 'init', '--schema', 'prisma/nothere.prisma'], says: [/--schema/, /no Prisma schema found/, /pass --schema/] },
  {
    name: 'a schema folder with no .prisma file',
    args: ['prisma', 'init', '--schema', 'prisma/schema'],
    files: { 'prisma/schema/': '' },
    says: [/--schema/, /holds no \.prisma files/],
  },
  {
    name: 'a schema without a datasource block',
    args: ['prisma', 'init'],
    files: { 'prisma/schema.prisma': 'model Customer {\n  id Int @id\n}\n' },
    says: [/--schema/, /has no datasource block/],
  },
  {
    name: 'a database schema name without multi-schema support',
    args: ['prisma', 'init', '--schema-name', 'messaging'],
    says: [/--schema-name/, /add schemas = \[/],
  },
  {
    name: 'a migration name that climbs out of the migrations folder',
    args: ['prisma', 'init', '--migration-name', '../../evil'],
    says: [/--migration-name/, /"\.\.\/\.\.\/evil" is not a migration name Prisma accepts/, /letters, digits and "_"/],
  },
  { name: 'a migration name with a slash', args: ['prisma', 'init', '--migration-name', 'a/b'], says: [/--migration-name/, /not a migration name/] },
  { name: 'an empty migration name', args: ['prisma', 'init', '--migration-name', ''], says: [/--migration-name/, /not a migration name/] },
  {
    name: '--check with a database URL that is not a URL',
    args: ['prisma', 'init', '--check', '--database-url', `not a url ${SECRET}`],
    says: [/--database-url/, /is not a URL/, /postgresql:\/\/user:password@host/],
  },
  {
    name: '--check with a database URL of another scheme',
    args: ['prisma', 'init', '--check', '--database-url', `mysql://root:${SECRET}@127.0.0.1:3306/test`],
    says: [/--database-url/, /"mysql:"/, /expected postgresql:\/\//],
  },
  {
    name: '--check against a database nobody listens on',
    args: ['prisma', 'init', '--check', '--database-url', `postgresql://app:${SECRET}@127.0.0.1:1/app`],
    says: [/--database-url/, /cannot connect/, /ECONNREFUSED/, /is it running/],
  },
];

describe('outboxkit generator CLI: hostile and mistaken input', () => {
  it.each(cases)('$name: exits 2, explains, and changes no file', async ({ args, files, says }) => {
    const dir = await project(files);
    const before = await snapshot(dir);
    const result = await outboxkit(dir, args);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stdout).not.toMatch(/create|update|add {4}model/);
    for (const fragment of says) expect(result.stderr).toMatch(fragment);
    expect(result.stderr + result.stdout).not.toContain(SECRET);
    expect(await snapshot(dir)).toEqual(before);
  });
});
