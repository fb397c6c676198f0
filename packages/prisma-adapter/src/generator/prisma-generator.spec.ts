import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outboxSchemaSql } from '@outboxkit/core';
import { outboxkitSchema } from '@outboxkit/core/internal';
import { postgresGeneratorDialect } from './generator-dialect.js';
import { nextMigrationName, tablesCreatedBy } from './migrations-folder.js';
import { findModel, resolveSchemaName } from './prisma-init.js';
import { renderPrismaFields, renderPrismaModel } from './prisma-models.js';
import { fieldWidths, insertIntoModel, modelBlockText, summarizeSchema } from './prisma-schema-text.js';

const REPO_SCHEMA = readFileSync(new URL('../../../../prisma/schema.prisma', import.meta.url), 'utf8');

describe('renderPrismaModel', () => {
  it('renders the models of the repository schema exactly, for the default names', () => {
    for (const table of outboxkitSchema().tables) {
      expect(renderPrismaModel(table, postgresGeneratorDialect)).toBe(modelBlockText(REPO_SCHEMA, table.model));
    }
  });

  it('adds @@schema for a named database schema and follows custom table names', () => {
    const [outbox] = outboxkitSchema({ schema: 'messaging', tables: { outbox: 'shop_outbox' } }).tables;
    const text = renderPrismaModel(outbox!, postgresGeneratorDialect, 'messaging');
    expect(text).toContain('model ShopOutbox {');
    expect(text).toContain('  @@map("shop_outbox")\n  @@schema("messaging")\n}');
    expect(text).toContain('@default(dbgenerated("((pg_current_xact_id())::text)::bigint")) @map("tx_id")');
  });
});

describe('summarizeSchema', () => {
  it('reads models, tables, mapped columns and the datasource without being fooled by braces in strings', () => {
    const summary = summarizeSchema([
      {
        path: 'a.prisma',
        content: [
          'datasource db {',
          '  provider = "postgresql" // comment',
          '  schemas  = ["app", "ops"]',
          '}',
          'model Thing {',
          '  id   String @id',
          '  data Json   @default("{}") // a } in a string',
          '  ownerId String @map("owner_id")',
          '  @@map(name: "things")',
          '  @@schema("app")',
          '}',
        ].join('\n'),
      },
    ]);
    expect(summary.datasource).toEqual({ file: 'a.prisma', provider: 'postgresql', schemas: ['app', 'ops'] });
    expect(summary.models).toEqual([
      {
        name: 'Thing',
        file: 'a.prisma',
        table: 'things',
        schema: 'app',
        fields: [
          { name: 'id', type: 'String', column: 'id' },
          { name: 'data', type: 'Json', column: 'data' },
          { name: 'ownerId', type: 'String', column: 'owner_id' },
        ],
        indexes: [],
      },
    ]);
  });

  it('adds fields and index attributes to an existing model without touching its other lines', () => {
    const content = [
      '// mine',
      'model OutboxTxMarker {',
      '  transactionId String   @id @map("transaction_id") // kept',
      '',
      '  @@map("outbox_tx_marker")',
      '}',
      '',
    ].join('\n');
    const [, , marker] = outboxkitSchema().tables;
    const fields = renderPrismaFields(marker!, marker!.columns.slice(1), postgresGeneratorDialect, fieldWidths(content, 'OutboxTxMarker'));
    expect(insertIntoModel(content, 'OutboxTxMarker', fields, ['  @@index([createdAt])'])).toBe(
      [
        '// mine',
        'model OutboxTxMarker {',
        '  transactionId String   @id @map("transaction_id") // kept',
        '  createdAt     DateTime @default(now()) @map("created_at") @db.Timestamptz(3)',
        '',
        '  @@index([createdAt])',
        '  @@map("outbox_tx_marker")',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('finds outboxkit models by table, and refuses a clashing model name', () => {
    const { models } = summarizeSchema([{ path: 's', content: REPO_SCHEMA }]);
    const [outbox] = outboxkitSchema().tables;
    expect(findModel(models, outbox!, undefined)?.name).toBe('OutboxMessage');
    const [renamed] = outboxkitSchema({ tables: { outbox: 'outbox_message' } }).tables;
    expect(findModel(models, renamed!, undefined)?.table).toBe('outbox_message');
    const clash = { ...outbox!, name: 'other_table' };
    expect(() => findModel(models, clash, undefined)).toThrow(/already has a model OutboxMessage/);
  });
});

describe('migrations', () => {
  it('sees the tables and columns a migration history creates', () => {
    const created = tablesCreatedBy(
      [
        { name: '1_init', sql: outboxSchemaSql() },
        { name: '2_more', sql: 'ALTER TABLE "outbox_message" ADD COLUMN     "extra" TEXT;\n' },
      ],
      undefined,
    );
    expect([...created.keys()]).toEqual(outboxkitSchema().tables.map((t) => t.name));
    expect(created.get('outbox_message')?.has('published_at')).toBe(true);
    expect(created.get('outbox_message')?.has('extra')).toBe(true);
    expect(tablesCreatedBy([{ name: '1', sql: outboxSchemaSql({ schema: 'ops' }) }], undefined).size).toBe(0);
    expect(tablesCreatedBy([{ name: '1', sql: outboxSchemaSql({ schema: 'ops' }) }], 'ops').size).toBe(outboxkitSchema().tables.length);
  });

  it('names a migration by UTC time, after every existing one', () => {
    const now = new Date('2026-01-02T03:04:05Z');
    expect(nextMigrationName([], 'outboxkit_init', now)).toBe('20260102030405_outboxkit_init');
    expect(nextMigrationName(['20270101000000_later'], 'outboxkit_init', now)).toBe('20270101000001_outboxkit_init');
  });

  it('needs a schema name exactly when the datasource lists schemas', () => {
    expect(resolveSchemaName(undefined, undefined)).toBeUndefined();
    expect(resolveSchemaName('ops', ['app'])).toBe('ops');
    expect(() => resolveSchemaName('ops', undefined)).toThrow(/multi-schema/);
    expect(() => resolveSchemaName(undefined, ['app'])).toThrow(/say which one/);
  });
});
