import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { modelNameFor, outboxkitSchema } from './outboxkit-schema.js';
import { outboxSchemaSql, renderSchemaChanges } from './schema-ddl.js';

const MIGRATIONS = new URL('../../../../prisma/migrations/', import.meta.url);

/** outboxkit's own migrations in the repository (the examples' are not outboxkit's). */
function outboxkitMigrations(): Array<{ name: string; sql: string }> {
  return readdirSync(MIGRATIONS, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.includes('example'))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, sql: readFileSync(new URL(`${name}/migration.sql`, MIGRATIONS), 'utf8') }));
}

/** Statements of a Prisma-style script, comments dropped, whitespace runs collapsed. */
function statements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

describe('outboxSchemaSql', () => {
  it('starts as the outboxkit_init migration does, in Prisma Migrate\'s own layout', () => {
    const [init] = outboxkitMigrations();
    expect(init?.name).toMatch(/_outboxkit_init$/);
    const firstTable = init!.sql.slice(0, init!.sql.indexOf('"id" UUID NOT NULL,'));
    expect(outboxSchemaSql().startsWith(firstTable)).toBe(true);
  });

  it('covers every statement of every outboxkit migration in prisma/migrations (their union, folded into one)', () => {
    const generated = statements(outboxSchemaSql());
    const createOf = (table: string) => generated.find((s) => s.startsWith(`CREATE TABLE "${table}" (`)) ?? '';
    // An index a later migration drops (superseded) is not part of the folded schema.
    const dropped = new Set(
      outboxkitMigrations().flatMap(({ sql }) => statements(sql).flatMap((s) => /^DROP INDEX (?:IF EXISTS )?"(\w+)"$/.exec(s)?.[1] ?? [])),
    );
    expect(dropped).toEqual(new Set(['outbox_message_dead_key_idx']));
    for (const { name, sql } of outboxkitMigrations()) {
      for (const statement of statements(sql)) {
        if (statement.startsWith('DROP INDEX ')) continue;
        const index = /^CREATE INDEX "(\w+)"/.exec(statement)?.[1];
        if (index !== undefined && dropped.has(index)) {
          expect(generated.some((s) => s.startsWith(`CREATE INDEX "${index}"`)), `${name}: ${index} is dropped later`).toBe(false);
          continue;
        }
        const create = /^CREATE TABLE "(\w+)" \((.*)\)$/.exec(statement);
        const addColumn = /^ALTER TABLE "(\w+)" ADD COLUMN (".*)$/.exec(statement);
        if (create) {
          // Every column and constraint of the table, whatever the column order.
          for (const part of create[2]!.split(/, (?=")|, (?=CONSTRAINT)/)) {
            expect(createOf(create[1]!), `${name}: ${create[1]} ${part}`).toContain(part.replace(/,$/, ''));
          }
        } else if (addColumn) {
          expect(createOf(addColumn[1]!), `${name}: ${statement}`).toContain(addColumn[2]!);
        } else {
          expect(generated, name).toContain(statement);
        }
      }
    }
  });

  it('qualifies every name with a configured schema and creates the schema first', () => {
    const sql = outboxSchemaSql({ schema: 'messaging', tables: { outbox: 'events', inbox: 'receipts', marker: 'markers' } });
    expect(sql.startsWith('-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "messaging";\n')).toBe(true);
    expect(sql).toContain('CREATE TABLE "messaging"."events" (');
    expect(sql).toContain('CONSTRAINT "events_pkey" PRIMARY KEY ("id")');
    expect(sql).toContain('CREATE INDEX "events_status_seq_idx" ON "messaging"."events"("status", "seq");');
    expect(sql).toContain('CREATE INDEX "receipts_received_at_idx" ON "messaging"."receipts"("received_at");');
    expect(sql).toContain('CONSTRAINT "receipts_pkey" PRIMARY KEY ("consumer_group","message_id")');
    expect(sql).toContain('CREATE TABLE "messaging"."markers" (');
    expect(sql).toContain('ALTER TABLE "messaging"."events" ADD CONSTRAINT "events_status_check"');
    expect(sql).toContain('CREATE INDEX "events_half_idx" ON "messaging"."events"("next_check_at") WHERE "status" = \'HALF\';');
    expect(sql).not.toMatch(/outbox_message|inbox_message|outbox_tx_marker/);
  });

  it('enforces raw-bytes payloads in bytes mode', () => {
    const sql = outboxSchemaSql({ payload: 'bytes' });
    expect(sql).toContain('CHECK ("payload" IS NULL AND "payload_bytes" IS NOT NULL)');
    expect(sql).not.toContain('<>');
  });

  it('renders an upgrade: columns added to an existing table, missing indexes and extras', () => {
    const { tables } = outboxkitSchema();
    const [outbox, , marker] = tables;
    const sql = renderSchemaChanges({
      schema: undefined,
      createTables: [],
      addColumns: [{ table: outbox!, columns: outbox!.columns.filter((c) => c.name === 'marker_check' || c.name === 'traceparent') }],
      createIndexes: [{ table: marker!, index: marker!.indexes[0]! }],
      extras: [],
    });
    expect(sql).toBe(
      '-- AlterTable\nALTER TABLE "outbox_message" ADD COLUMN     "marker_check" BOOLEAN NOT NULL DEFAULT false,\n' +
        'ADD COLUMN     "traceparent" TEXT;\n\n' +
        '-- CreateIndex\nCREATE INDEX "outbox_tx_marker_created_at_idx" ON "outbox_tx_marker"("created_at");\n',
    );
    expect(renderSchemaChanges({ schema: 'x', createTables: [], addColumns: [], createIndexes: [], extras: [] })).toBe('');
  });

  it('indexes DEAD rows by a hash of the key (any key fits), and an upgrade drops the (key, seq) index it supersedes', () => {
    const sql = outboxSchemaSql({ schema: 'm' });
    expect(sql).toContain(
      'CREATE INDEX "outbox_message_dead_key_hash_idx" ON "m"."outbox_message"(hashtextextended("key", 0), "seq") WHERE "status" = \'DEAD\';',
    );
    expect(sql).not.toContain('dead_key_idx');
    const [outbox] = outboxkitSchema({ schema: 'm' }).tables;
    const extra = outbox!.extras.find((e) => e.name === 'outbox_message_dead_key_hash_idx')!;
    expect(extra.kind === 'partial-index' && extra.replaces).toEqual(['outbox_message_dead_key_idx']);
    const upgrade = renderSchemaChanges({
      schema: 'm',
      createTables: [],
      addColumns: [],
      createIndexes: [],
      extras: [{ table: outbox!, extra }],
      dropIndexes: [{ name: 'outbox_message_dead_key_idx', replacedBy: extra.name }],
    });
    expect(upgrade).toMatch(/^-- outboxkit: what Prisma's schema language cannot express\.\n-- Superseded by "outbox_message_dead_key_hash_idx"\.\nDROP INDEX IF EXISTS "m"\."outbox_message_dead_key_idx";\n-- Dead-key policy/);
    expect(upgrade.indexOf('DROP INDEX')).toBeLessThan(upgrade.indexOf('CREATE INDEX'));
  });

  it('renders only the tables asked for', () => {
    const sql = outboxSchemaSql({ include: ['marker'] });
    expect(sql).toContain('CREATE TABLE "outbox_tx_marker"');
    expect(sql).not.toContain('outbox_message');
    expect(sql).not.toContain('-- outboxkit:');
  });

  it('refuses names that are not plain identifiers, or that collide', () => {
    expect(() => outboxSchemaSql({ tables: { outbox: 'x"; DROP TABLE y; --' } })).toThrow(InvalidConfigError);
    expect(() => outboxSchemaSql({ schema: 'bad schema' })).toThrow(/schema/);
    expect(() => outboxSchemaSql({ tables: { inbox: 'outbox_message' } })).toThrow(/need different names/);
    expect(() => outboxSchemaSql({ tables: { outbox: 'o'.repeat(60) } })).toThrow(/exceeds 63/);
    expect(() => outboxSchemaSql({ payload: 'xml' as never })).toThrow(/payload/);
  });
});

describe('outboxkitSchema', () => {
  it('names models after their tables and keeps column order stable', () => {
    expect(modelNameFor('outbox_tx_marker')).toBe('OutboxTxMarker');
    const { tables } = outboxkitSchema({ tables: { outbox: 'shop_outbox' } });
    expect(tables.map((t) => t.model)).toEqual(['ShopOutbox', 'InboxMessage', 'OutboxTxMarker', 'OutboxRelayLease', 'OutboxRelayInstance']);
    expect(tables[0]?.columns.map((c) => c.name).slice(0, 3)).toEqual(['id', 'seq', 'tx_id']);
  });
});
