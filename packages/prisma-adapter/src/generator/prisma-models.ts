import type { ColumnDefinition, IndexDefinition, TableDefinition } from '@outboxkit/core/internal';
import type { GeneratorDialect } from './generator-dialect.js';

interface FieldRow {
  doc: string | undefined;
  name: string;
  type: string;
  attributes: string;
}

function fieldRows(table: TableDefinition, columns: readonly ColumnDefinition[], dialect: GeneratorDialect): FieldRow[] {
  const singlePrimaryKey = table.primaryKey.columns.length === 1 ? table.primaryKey.columns[0] : undefined;
  return columns.map((column) => {
    const spec = dialect.field(column);
    const attributes: string[] = [];
    if (column.name === singlePrimaryKey) attributes.push('@id');
    if (spec.defaultValue !== undefined) attributes.push(`@default(${spec.defaultValue})`);
    if (column.field !== column.name) attributes.push(`@map(${JSON.stringify(column.name)})`);
    if (spec.nativeType) attributes.push(spec.nativeType);
    return { doc: column.doc, name: column.field, type: spec.type, attributes: attributes.join(' ') };
  });
}

function renderRows(rows: readonly FieldRow[], widths: { name: number; type: number }): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    if (row.doc) lines.push(...row.doc.split('\n').map((line) => `  /// ${line}`));
    const name = row.name.padEnd(Math.max(widths.name, row.name.length + 1));
    const text = row.attributes ? `${name}${row.type.padEnd(Math.max(widths.type, row.type.length + 1))}${row.attributes}` : `${name}${row.type}`;
    lines.push(`  ${text}`);
  }
  return lines;
}

/**
 * Renders outboxkit's tables as Prisma models, formatted as `prisma format` would (columns of
 * names, types and attributes aligned), so that the migration and the models describe the same
 * tables and `prisma migrate dev` finds nothing to change.
 */
export function renderPrismaModel(table: TableDefinition, dialect: GeneratorDialect, schema?: string): string {
  const rows = fieldRows(table, table.columns, dialect);
  const widths = { name: Math.max(...rows.map((r) => r.name.length)) + 1, type: Math.max(...rows.map((r) => r.type.length)) + 1 };
  const fieldName = (column: string) => table.columns.find((c) => c.name === column)?.field ?? column;
  const blockAttributes: string[] = [];
  if (table.primaryKey.columns.length > 1) blockAttributes.push(`@@id([${table.primaryKey.columns.map(fieldName).join(', ')}])`);
  for (const index of table.indexes) blockAttributes.push(indexAttribute(index, fieldName));
  blockAttributes.push(`@@map(${JSON.stringify(table.name)})`);
  if (schema !== undefined) blockAttributes.push(`@@schema(${JSON.stringify(schema)})`);

  const lines: string[] = table.doc.split('\n').map((line) => `/// ${line}`);
  lines.push(`model ${table.model} {`);
  lines.push(...renderRows(rows, widths));
  lines.push('');
  lines.push(...blockAttributes.map((attribute) => `  ${attribute}`));
  lines.push('}');
  return lines.join('\n');
}

/** Field lines for columns an existing model lacks, aligned with the model's own `widths`. */
export function renderPrismaFields(
  table: TableDefinition,
  columns: readonly ColumnDefinition[],
  dialect: GeneratorDialect,
  widths: { name: number; type: number } = { name: 0, type: 0 },
): string[] {
  return renderRows(fieldRows(table, columns, dialect), widths);
}

/** `@@index([a, b])`, with the model's field names. */
export function indexAttribute(index: IndexDefinition, fieldName: (column: string) => string): string {
  return `@@index([${index.columns.map(fieldName).join(', ')}])`;
}
