import { outboxkitSchema } from '@outboxkit/core/internal';
import { dialectForProvider } from './generator-dialect.js';
import { objectsNamedIn, readMigrationScripts, tablesCreatedBy } from './migrations-folder.js';
import { findModel, resolveSchemaName, type PrismaInitOptions } from './prisma-init.js';
import { locatePrismaProject } from './prisma-project.js';

export interface PrismaCheckOptions extends Omit<PrismaInitOptions, 'migrationName' | 'now'> {
  /** The database to inspect. Without it only the schema and the migrations are checked. */
  databaseUrl?: string;
}

export interface PrismaCheckReport {
  /** One line per thing missing, prefixed with where: `schema:`, `migrations:` or `database:`. */
  problems: string[];
  /** What was checked (`schema`, `migrations`, `database`). */
  checked: string[];
  ok: boolean;
  /** What the user should know about how the project was read (see PrismaProject.notes). */
  notes: string[];
}

/**
 * `outboxkit prisma init --check`: does the schema have outboxkit's models (with every column),
 * do the migrations create its tables, and — given a database — does the database have the
 * tables, columns, indexes and constraints? Changes nothing.
 */
export async function prismaCheck(options: PrismaCheckOptions = {}): Promise<PrismaCheckReport> {
  const project = await locatePrismaProject(options);
  const problems: string[] = [];
  const datasource = project.summary.datasource;
  if (!datasource) {
    return { problems: [`schema: ${project.schemaPath} has no datasource block`], checked: ['schema'], ok: false, notes: project.notes };
  }
  const dialect = dialectForProvider(datasource.provider);
  const schemaName = resolveSchemaName(options.schemaName, datasource.schemas);
  const definition = outboxkitSchema({ schema: schemaName, tables: options.tables ?? {}, payload: options.payload ?? 'json' });

  if (schemaName !== undefined && !datasource.schemas?.includes(schemaName)) {
    problems.push(`schema: the datasource's schemas list lacks "${schemaName}"`);
  }
  for (const table of definition.tables) {
    const model = findModel(project.summary.models, table, schemaName);
    if (!model) {
      problems.push(`schema: no model maps to table "${table.name}" (expected model ${table.model})`);
      continue;
    }
    for (const column of table.columns) {
      if (!model.fields.some((f) => f.column === column.name)) {
        problems.push(`schema: model ${model.name} has no field for column "${column.name}"`);
      }
    }
  }

  const scripts = await readMigrationScripts(project.migrationsDir);
  const created = tablesCreatedBy(scripts, schemaName);
  const named = objectsNamedIn(scripts);
  for (const table of definition.tables) {
    const columns = created.get(table.name);
    if (!columns) {
      problems.push(`migrations: no migration in ${project.migrationsDir} creates table "${table.name}"`);
      continue;
    }
    const lacking = table.columns.filter((c) => !columns.has(c.name)).map((c) => c.name);
    if (lacking.length > 0) problems.push(`migrations: table "${table.name}" is created without column(s) ${lacking.join(', ')}`);
    const unnamed = [...table.indexes, ...table.extras].map((o) => o.name).filter((name) => !named.has(name));
    if (unnamed.length > 0) problems.push(`migrations: no migration creates ${unnamed.map((n) => `"${n}"`).join(', ')} on "${table.name}"`);
  }

  const checked = ['schema', 'migrations'];
  if (options.databaseUrl) {
    const inspection = await dialect.inspect(options.databaseUrl, schemaName, definition.tables);
    problems.push(...inspection.problems);
    checked.push('database');
  }
  return { problems, checked, ok: problems.length === 0, notes: project.notes };
}
