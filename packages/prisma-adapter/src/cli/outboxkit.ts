import path from 'node:path';
import { parseArgs } from 'node:util';
import { OutboxError, outboxSchemaSql } from '@outboxkit/core';
import type { PayloadMode } from '@outboxkit/core/internal';
import { planPrismaInit, applyPrismaInit, type PrismaInitOptions } from '../generator/prisma-init.js';
import { prismaCheck } from '../generator/prisma-check.js';

const USAGE = `usage:
  outboxkit prisma init [options]          add outboxkit's models to the Prisma schema and write a migration
  outboxkit prisma init --check [options]  exit 1, naming what the schema, the migrations or the database lack
  outboxkit sql [options]                  print the DDL (for other migration tools)

options:
  --config <file>           Prisma config file, loaded with the project's Prisma
                            (default: the one Prisma finds: prisma.config.ts, prisma7.config.ts, .config/prisma.ts, ...)
  --schema <file|dir>       Prisma schema file or multi-file schema folder (default: the config's schema,
                            else schema.prisma, prisma/schema.prisma, prisma/schema/, prisma/)
  --migrations <dir>        migrations folder (default: the config's, else migrations/ beside the datasource)
  --schema-name <name>      database schema for the tables (needs schemas = [...] in the datasource)
  --outbox-table <name>     default outbox_message
  --inbox-table <name>      default inbox_message
  --marker-table <name>     default outbox_tx_marker
  --lease-table <name>      default outbox_relay_lease
  --instance-table <name>   default outbox_relay_instance
  --payload json|bytes      json (default): JSON or raw bytes per message; bytes: raw bytes only
  --migration-name <name>   default outboxkit_init
  --database-url <url>      with --check: the database to inspect (default: $DATABASE_URL)
  --dry-run                 show what would be written, write nothing
  -h, --help`;

const OPTIONS = {
  config: { type: 'string' },
  schema: { type: 'string' },
  migrations: { type: 'string' },
  'schema-name': { type: 'string' },
  'outbox-table': { type: 'string' },
  'inbox-table': { type: 'string' },
  'marker-table': { type: 'string' },
  'lease-table': { type: 'string' },
  'instance-table': { type: 'string' },
  payload: { type: 'string' },
  'migration-name': { type: 'string' },
  'database-url': { type: 'string' },
  check: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const payload = values.payload ?? 'json';
  if (payload !== 'json' && payload !== 'bytes') throw new UsageError(`--payload must be json or bytes, got "${payload}"`);
  const tables = {
    ...(values['outbox-table'] ? { outbox: values['outbox-table'] } : {}),
    ...(values['inbox-table'] ? { inbox: values['inbox-table'] } : {}),
    ...(values['marker-table'] ? { marker: values['marker-table'] } : {}),
    ...(values['lease-table'] ? { lease: values['lease-table'] } : {}),
    ...(values['instance-table'] ? { instance: values['instance-table'] } : {}),
  };
  const command = positionals.join(' ');

  if (command === 'sql') {
    process.stdout.write(outboxSchemaSql({ schema: values['schema-name'], tables, payload: payload as PayloadMode }));
    return 0;
  }
  if (command !== 'prisma init') throw new UsageError(command ? `unknown command "${command}"` : 'no command given');

  const options: PrismaInitOptions = {
    tables,
    payload: payload as PayloadMode,
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values.schema ? { schema: values.schema } : {}),
    ...(values.migrations ? { migrations: values.migrations } : {}),
    ...(values['schema-name'] ? { schemaName: values['schema-name'] } : {}),
    ...(values['migration-name'] !== undefined ? { migrationName: values['migration-name'] } : {}),
  };
  const relative = (file: string) => path.relative(process.cwd(), file) || '.';

  if (values.check) {
    const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
    const report = await prismaCheck({ ...options, ...(databaseUrl ? { databaseUrl } : {}) });
    for (const problem of report.problems) process.stdout.write(`missing  ${problem}\n`);
    for (const note of report.notes) process.stdout.write(`note     ${note}\n`);
    if (!report.checked.includes('database')) {
      process.stdout.write('note     database not checked: pass --database-url or set DATABASE_URL\n');
    }
    process.stdout.write(
      report.ok
        ? `ok       outboxkit's tables are in place (checked: ${report.checked.join(', ')})\n`
        : `outboxkit: ${report.problems.length} thing(s) missing; run \`outboxkit prisma init\`, then apply the migration (prisma migrate deploy)\n`,
    );
    return report.ok ? 0 : 1;
  }

  const plan = await planPrismaInit(options);
  if (!values['dry-run']) await applyPrismaInit(plan);
  const verb = values['dry-run'] ? 'would ' : '';
  for (const [table, model] of Object.entries(plan.existingModels)) process.stdout.write(`present  model ${model} (table ${table})\n`);
  for (const change of plan.changes) {
    process.stdout.write(`${verb}${change.created ? 'create' : 'update'}  ${relative(change.path)}\n`);
  }
  for (const model of plan.addedModels) process.stdout.write(`${verb}add    model ${model}\n`);
  for (const model of plan.updatedModels) process.stdout.write(`${verb}extend model ${model}\n`);
  for (const note of plan.notes) process.stdout.write(`note     ${note}\n`);
  if (plan.changes.length === 0) {
    process.stdout.write('outboxkit: nothing to do, the schema and the migrations already have outboxkit\'s tables\n');
  } else if (plan.migration && !values['dry-run']) {
    process.stdout.write(`outboxkit: next, apply the migration (prisma migrate deploy, or prisma migrate dev) and run prisma generate\n`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    const message = error instanceof OutboxError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`outboxkit: ${message}\n${usage ? `\n${USAGE}\n` : ''}`);
    process.exitCode = 2;
  },
);
