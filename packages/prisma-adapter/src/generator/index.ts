// Public API of @outboxkit/prisma-adapter/generator: what the `outboxkit prisma init` CLI runs,
// for scripts and tools that prefer a function call.
export {
  prismaInit,
  planPrismaInit,
  applyPrismaInit,
  DEFAULT_MIGRATION_NAME,
  UPGRADE_MIGRATION_NAME,
  OUTBOXKIT_SCHEMA_FILE,
  type PrismaInitOptions,
  type PrismaInitPlan,
  type FileChange,
} from './prisma-init.js';
export { prismaCheck, type PrismaCheckOptions, type PrismaCheckReport } from './prisma-check.js';
export { locatePrismaProject, type PrismaProject, type LocateOptions } from './prisma-project.js';
export { renderPrismaModel, renderPrismaFields } from './prisma-models.js';
export {
  postgresGeneratorDialect,
  dialectForProvider,
  type GeneratorDialect,
  type PrismaFieldSpec,
} from './generator-dialect.js';
export type { DatabaseInspection } from './database-inspection.js';
export { summarizeSchema, type PrismaSchemaFile, type PrismaModel, type PrismaDatasource, type PrismaSchemaSummary } from './prisma-schema-text.js';
export { nextMigrationName, tablesCreatedBy, objectsNamedIn, migrationLockToml, type MigrationScript } from './migrations-folder.js';
