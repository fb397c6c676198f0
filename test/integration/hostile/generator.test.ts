import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper shared with the demo and the tests
import { prismaOfflineEnv } from '../../../scripts/prisma-generate.mjs';

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
    name: '--config in a project without prisma installed',
    args: ['prisma', 'init', '--config', 'prisma.config.ts'],
    files: { 'prisma.config.ts': 'export default { schema: "prisma/schema.prisma" };\n', 'prisma/schema.prisma': SCHEMA },
    says: [/--config/, /prisma is not installed in/, /npm install --save-dev prisma/, /or pass --schema and --migrations/],
  },
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

/**
 * Mistakes only Prisma itself can judge: the schema's syntax and the config file. These projects
 * live under the repository's .cache/ so that Prisma (the workspace's) resolves from them, and the
 * CLI runs Prisma offline (scripts/prisma-generate.mjs).
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PRISMA_ROOT = path.join(REPO, '.cache', 'hostile-generator');

function outboxkitWithPrisma(cwd: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const env = prismaOfflineEnv({ ...process.env, DATABASE_URL: '' });
    execFile(process.execPath, [BIN, ...args], { cwd, env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const CONFIG = 'import { defineConfig } from "prisma/config";\nexport default defineConfig({ schema: "prisma/schema.prisma" });\n';

const prismaCases: HostileCase[] = [
  {
    name: 'a schema that does not parse',
    args: ['prisma', 'init'],
    files: { 'prisma/schema.prisma': `${SCHEMA}\nmodel {\n  id Int @id\n` },
    says: [/--schema/, /prisma\/schema\.prisma is not a valid Prisma schema/, /This line is invalid/, /P1012/, /fix what Prisma reports/],
  },
  {
    name: 'a field of a type that does not exist',
    args: ['prisma', 'init'],
    files: { 'prisma/schema.prisma': SCHEMA.replace('email String', 'email Strin') },
    says: [/--schema/, /not a valid Prisma schema/, /Type "Strin" is neither a built-in type/],
  },
  {
    name: 'a schema Prisma 7 refuses (a url in the datasource), whose password is not repeated',
    args: ['prisma', 'init', '--check'],
    files: { 'prisma/schema.prisma': SCHEMA.replace('provider = "postgresql"', `provider = "postgresql"\n  url = "postgresql://app:${SECRET}@db.internal/app"`) },
    says: [/--schema/, /not a valid Prisma schema/, /`url` is no longer supported/, /postgresql:\/\/app:\*\*\*@db\.internal/],
  },
  {
    name: 'a multi-file schema folder with a file that does not parse',
    args: ['prisma', 'init', '--schema', 'prisma/schema'],
    files: { 'prisma/schema/schema.prisma': SCHEMA, 'prisma/schema/broken.prisma': 'enum {\n' },
    says: [/--schema/, /prisma\/schema is not a valid Prisma schema/, /broken\.prisma/],
  },
  {
    name: 'a config file with a syntax error',
    args: ['prisma', 'init'],
    files: { 'prisma.config.ts': 'export default {\n  schema: "prisma/schema.prisma",,\n', 'prisma/schema.prisma': SCHEMA },
    says: [/prisma\.config\.ts/, /Prisma could not load the config file/, /ParseError/, /fix the config file/],
  },
  {
    name: 'a config file whose import fails',
    args: ['prisma', 'init'],
    files: { 'prisma7.config.ts': `import "no-such-package/config";\n${CONFIG}`, 'prisma/schema.prisma': SCHEMA },
    says: [/prisma7\.config\.ts/, /Prisma could not load the config file/, /no-such-package\/config/],
  },
  {
    name: 'a config file reading an unset variable with env()',
    args: ['prisma', 'init'],
    files: {
      'prisma.config.ts': 'import { defineConfig, env } from "prisma/config";\nexport default defineConfig({ schema: "prisma/schema.prisma", datasource: { url: env("OUTBOXKIT_NO_SUCH_URL") } });\n',
      'prisma/schema.prisma': SCHEMA,
    },
    says: [/prisma\.config\.ts/, /OUTBOXKIT_NO_SUCH_URL/, /set OUTBOXKIT_NO_SUCH_URL/],
  },
  {
    name: 'a config file that exports no config',
    args: ['prisma', 'init'],
    files: { 'prisma.config.ts': 'export const schema = "prisma/schema.prisma";\n', 'prisma/schema.prisma': SCHEMA },
    says: [/prisma\.config\.ts/, /Prisma could not load the config file/],
  },
  {
    name: 'a config file naming a schema that does not exist',
    args: ['prisma', 'init'],
    files: { 'prisma.config.ts': CONFIG.replace('prisma/schema.prisma', 'db/nothere.prisma'), 'prisma/schema.prisma': SCHEMA },
    says: [/--schema/, /no Prisma schema found at .*db\/nothere\.prisma/, /named by prisma\.config\.ts/],
  },
  {
    name: '--config pointing nowhere',
    args: ['prisma', 'init', '--config', 'config/nothere.ts'],
    says: [/--config/, /no Prisma config file at .*config\/nothere\.ts/, /leave --config out/],
  },
  {
    name: '--config naming a folder',
    args: ['prisma', 'init', '--config', 'prisma'],
    says: [/--config/, /no Prisma config file at .*prisma\b/],
  },
];

describe('outboxkit generator CLI: schemas and config files Prisma refuses', () => {
  beforeAll(async () => {
    await mkdir(PRISMA_ROOT, { recursive: true });
  });
  afterAll(async () => {
    await rm(PRISMA_ROOT, { recursive: true, force: true });
  });

  it.each(prismaCases)('$name: exits 2 with Prisma\'s own error, and changes no file', async ({ args, files, says }) => {
    const dir = await mkdtemp(path.join(PRISMA_ROOT, 'project-'));
    for (const [name, content] of Object.entries(files ?? { 'prisma/schema.prisma': SCHEMA })) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
    const before = await snapshot(dir);
    const result = await outboxkitWithPrisma(dir, args);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stdout).not.toMatch(/create|update|add {4}model/);
    for (const fragment of says) expect(result.stderr).toMatch(fragment);
    expect(result.stderr + result.stdout).not.toContain(SECRET);
    expect(await snapshot(dir)).toEqual(before);
  });
});
