import { InvalidConfigError } from '../errors.js';
import { MessageStatus } from '../message-states.js';
import { DEFAULT_RELAY_TABLE_NAMES, DEFAULT_TABLE_NAMES, quoteIdentifier } from '../sql/identifiers.js';

/**
 * The tables outboxkit needs, described once and without any database's syntax. The DDL
 * (`outboxSchemaSql`, through a `SchemaDialect`) and the Prisma models of the migration generator
 * are both rendered from this description, so they cannot drift apart.
 */

/** Logical column types; a dialect maps each one to its own type. */
export type ColumnType =
  | 'uuid'
  /** 64-bit integer filled from a sequence (PostgreSQL BIGSERIAL). */
  | 'serial64'
  | 'int64'
  | 'int32'
  | 'boolean'
  | 'text'
  | 'json'
  | 'bytes'
  /** Timestamp with time zone, millisecond precision. */
  | 'timestamp';

export type ColumnDefault =
  | { kind: 'value'; value: string | number | boolean }
  /** A JSON document as text, for `json` columns. */
  | { kind: 'json'; value: string }
  | { kind: 'now' }
  /** The writing transaction's id (PostgreSQL: pg_current_xact_id()). */
  | { kind: 'transaction-id' };

export interface ColumnDefinition {
  /** Column name in the database. */
  name: string;
  /** Field name for ORMs (camelCase). */
  field: string;
  type: ColumnType;
  nullable: boolean;
  default?: ColumnDefault;
  /** Documentation, rendered as a doc comment where the target has them. */
  doc?: string;
}

export interface IndexDefinition {
  /** Index name, as Prisma names it by default: `<table>_<columns>_idx`. */
  name: string;
  columns: string[];
}

/** A column of an index, or (`hashOf`) a 64-bit hash of a column, for values too long for a btree entry. */
export type IndexColumn = string | { hashOf: string };

/** What Prisma's schema language cannot express; rendered as plain SQL after the tables. */
export type ExtraDefinition =
  | { kind: 'check-in'; name: string; column: string; values: readonly string[]; comment: string }
  | { kind: 'check-exactly-one'; name: string; columns: [string, string]; comment: string }
  | { kind: 'check-null-and-not-null'; name: string; isNull: string; notNull: string; comment: string }
  | {
      kind: 'partial-index';
      name: string;
      columns: IndexColumn[];
      where: { column: string; equals: string };
      comment: string;
      /**
       * Indexes of earlier outboxkit versions this one supersedes: the upgrade migration that
       * creates it drops them (migrations are append-only, so the old ones keep creating them).
       */
      replaces?: string[];
    };

/** outbox, inbox and half-message marker; the relay's partition leases and its instance heartbeats. */
export type TableRole = 'outbox' | 'inbox' | 'marker' | 'lease' | 'instance';

export interface TableDefinition {
  role: TableRole;
  name: string;
  /** Suggested ORM model name (PascalCase of the table name). */
  model: string;
  doc: string;
  columns: ColumnDefinition[];
  primaryKey: { name: string; columns: string[] };
  indexes: IndexDefinition[];
  extras: ExtraDefinition[];
}

export interface SchemaDefinition {
  /** The database schema, or undefined for the connection's own (unqualified names). */
  schema: string | undefined;
  tables: TableDefinition[];
}

/**
 * `json` (default): a message's value is stored as JSONB in `payload`, or as raw bytes in
 * `payload_bytes` when `send` is given a Uint8Array — exactly one of them.
 * `bytes`: every message must be raw bytes (`payload_bytes`); the table refuses JSON payloads.
 * Both columns exist either way, so the library's statements are the same.
 */
export type PayloadMode = 'json' | 'bytes';

export interface OutboxSchemaOptions {
  /** Database schema. Default: none, the tables go to the connection's schema (unqualified names). */
  schema?: string;
  /**
   * Table names. Defaults: `outbox_message`, `inbox_message`, `outbox_tx_marker`,
   * `outbox_relay_lease`, `outbox_relay_instance`.
   */
  tables?: Partial<Record<TableRole, string>>;
  /** Default `json`. */
  payload?: PayloadMode;
  /** Which tables to include. Default: all three. */
  include?: readonly TableRole[];
}

export const DEFAULT_SCHEMA_OPTIONS = Object.freeze({
  payload: 'json' as PayloadMode,
  include: Object.freeze(['outbox', 'inbox', 'marker', 'lease', 'instance'] as TableRole[]),
});


/** Describes outboxkit's tables for the given names. Names are validated here, once. */
export function outboxkitSchema(options: OutboxSchemaOptions = {}): SchemaDefinition {
  const payload = options.payload ?? DEFAULT_SCHEMA_OPTIONS.payload;
  if (payload !== 'json' && payload !== 'bytes') {
    throw new InvalidConfigError('payload', `must be "json" or "bytes", got "${String(payload)}"`);
  }
  const names: Record<TableRole, string> = {
    outbox: options.tables?.outbox ?? DEFAULT_TABLE_NAMES.outbox,
    inbox: options.tables?.inbox ?? DEFAULT_TABLE_NAMES.inbox,
    marker: options.tables?.marker ?? DEFAULT_TABLE_NAMES.marker,
    lease: options.tables?.lease ?? DEFAULT_RELAY_TABLE_NAMES.lease,
    instance: options.tables?.instance ?? DEFAULT_RELAY_TABLE_NAMES.instance,
  };
  if (options.schema !== undefined) quoteIdentifier(options.schema, 'schema');
  for (const [role, name] of Object.entries(names)) quoteIdentifier(name, `tables.${role}`);
  if (new Set(Object.values(names)).size !== Object.keys(names).length) {
    throw new InvalidConfigError('tables', `outboxkit's tables need different names, got ${Object.values(names).join(', ')}`);
  }
  const include = options.include ?? DEFAULT_SCHEMA_OPTIONS.include;
  const all: TableDefinition[] = [
    outboxTable(names.outbox, payload),
    inboxTable(names.inbox),
    markerTable(names.marker),
    leaseTable(names.lease),
    instanceTable(names.instance),
  ];
  const tables = all.filter((t) => include.includes(t.role));
  for (const table of tables) assertConstraintNames(table);
  return { schema: options.schema, tables };
}

/** PascalCase of a snake_case table name: outbox_message → OutboxMessage. */
export function modelNameFor(table: string): string {
  return table
    .split('_')
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

const timestamp = (name: string, field: string, nullable: boolean, extra: Partial<ColumnDefinition> = {}): ColumnDefinition => ({
  name,
  field,
  type: 'timestamp',
  nullable,
  ...extra,
});

function outboxTable(name: string, payload: PayloadMode): TableDefinition {
  const statuses = Object.values(MessageStatus);
  const payloadExtra: ExtraDefinition =
    payload === 'json'
      ? {
          kind: 'check-exactly-one',
          name: `${name}_payload_check`,
          columns: ['payload', 'payload_bytes'],
          comment: 'A message carries a JSON payload or raw bytes, never both.',
        }
      : {
          kind: 'check-null-and-not-null',
          name: `${name}_payload_check`,
          isNull: 'payload',
          notNull: 'payload_bytes',
          comment: 'Payloads are raw bytes only (generated with --payload bytes).',
        };
  return {
    role: 'outbox',
    name,
    model: modelNameFor(name),
    doc:
      'One message of the transactional outbox. Column names follow Debezium\'s Outbox Event Router\n' +
      'vocabulary where they can (id, type, payload); see docs/debezium.md for the router config.',
    columns: [
      { name: 'id', field: 'id', type: 'uuid', nullable: false },
      {
        name: 'seq',
        field: 'seq',
        type: 'serial64',
        nullable: false,
        doc: 'Global order; taken under the per-key lock, so for one key it follows commit order.',
      },
      {
        name: 'tx_id',
        field: 'txId',
        type: 'int64',
        nullable: false,
        default: { kind: 'transaction-id' },
        doc: "The writing transaction's id (pg_current_xact_id), for diagnostics and the relay's horizon.",
      },
      { name: 'topic', field: 'topic', type: 'text', nullable: false },
      { name: 'key', field: 'key', type: 'text', nullable: true },
      { name: 'payload', field: 'payload', type: 'json', nullable: true },
      { name: 'payload_bytes', field: 'payloadBytes', type: 'bytes', nullable: true },
      { name: 'type', field: 'type', type: 'text', nullable: true },
      { name: 'headers', field: 'headers', type: 'json', nullable: false, default: { kind: 'json', value: '{}' } },
      { name: 'producer_group', field: 'producerGroup', type: 'text', nullable: true },
      { name: 'transaction_id', field: 'transactionId', type: 'text', nullable: true },
      {
        name: 'status',
        field: 'status',
        type: 'text',
        nullable: false,
        default: { kind: 'value', value: MessageStatus.READY },
        doc: statuses.join(' | '),
      },
      { name: 'attempts', field: 'attempts', type: 'int32', nullable: false, default: { kind: 'value', value: 0 } },
      { name: 'check_count', field: 'checkCount', type: 'int32', nullable: false, default: { kind: 'value', value: 0 } },
      timestamp('next_check_at', 'nextCheckAt', true),
      timestamp('parked_at', 'parkedAt', true),
      { name: 'last_error', field: 'lastError', type: 'text', nullable: true },
      {
        name: 'marker_check',
        field: 'markerCheck',
        type: 'boolean',
        nullable: false,
        default: { kind: 'value', value: false },
        doc:
          'Half messages whose local transaction runs in this database and writes a marker row: the\n' +
          'relay answers their back-check itself (marker present → COMMIT; none after the deadline → ROLLBACK).',
      },
      { name: 'traceparent', field: 'traceparent', type: 'text', nullable: true },
      timestamp('created_at', 'createdAt', false, { default: { kind: 'now' } }),
      timestamp('published_at', 'publishedAt', true),
    ],
    primaryKey: { name: `${name}_pkey`, columns: ['id'] },
    indexes: [{ name: `${name}_status_seq_idx`, columns: ['status', 'seq'] }],
    extras: [
      {
        kind: 'check-in',
        name: `${name}_status_check`,
        column: 'status',
        values: statuses,
        // The init migration of earlier projects (prisma/migrations/20261124000000_outboxkit_init)
        // keeps its older wording of this line: Prisma checksums applied migrations.
        // Comments are not compared (schema-ddl.spec.ts, prisma init's check), only statements.
        comment: 'The message states of docs/guarantees.md §3, enforced by the database as well as by the library.',
      },
      payloadExtra,
      {
        kind: 'partial-index',
        name: `${name}_half_idx`,
        columns: ['next_check_at'],
        where: { column: 'status', equals: MessageStatus.HALF },
        comment: 'The back-check scans only undecided half messages.',
      },
      {
        kind: 'partial-index',
        name: `${name}_dead_key_hash_idx`,
        // A hash of the key, not the key: a btree entry of a long key fails, and with it markDead.
        columns: [{ hashOf: 'key' }, 'seq'],
        where: { column: 'status', equals: MessageStatus.DEAD },
        replaces: [`${name}_dead_key_idx`],
        comment: 'Dead-key policy "hold": the claim looks for an older DEAD row of the same key (by a hash of the key, which fits an index entry however long the key).',
      },
      {
        kind: 'partial-index',
        name: `${name}_published_at_idx`,
        columns: ['published_at'],
        where: { column: 'status', equals: MessageStatus.PUBLISHED },
        comment: 'Retention: the cleanup deletes the oldest published rows first.',
      },
    ],
  };
}

function inboxTable(name: string): TableDefinition {
  return {
    role: 'inbox',
    name,
    model: modelNameFor(name),
    doc: 'Receipts of consumed messages: the primary key makes a redelivery a no-op.',
    columns: [
      { name: 'consumer_group', field: 'consumerGroup', type: 'text', nullable: false },
      { name: 'message_id', field: 'messageId', type: 'text', nullable: false },
      { name: 'topic', field: 'topic', type: 'text', nullable: true },
      { name: 'partition', field: 'partition', type: 'int32', nullable: true },
      { name: 'offset', field: 'offset', type: 'int64', nullable: true },
      timestamp('received_at', 'receivedAt', false, { default: { kind: 'now' } }),
    ],
    primaryKey: { name: `${name}_pkey`, columns: ['consumer_group', 'message_id'] },
    indexes: [{ name: `${name}_received_at_idx`, columns: ['received_at'] }],
    extras: [],
  };
}

function markerTable(name: string): TableDefinition {
  return {
    role: 'marker',
    name,
    model: modelNameFor(name),
    doc:
      "Written by a half message's local transaction in the same database; its presence answers\n" +
      'the back-check with COMMIT.',
    columns: [
      { name: 'transaction_id', field: 'transactionId', type: 'text', nullable: false },
      timestamp('created_at', 'createdAt', false, { default: { kind: 'now' } }),
    ],
    primaryKey: { name: `${name}_pkey`, columns: ['transaction_id'] },
    indexes: [{ name: `${name}_created_at_idx`, columns: ['created_at'] }],
    extras: [],
  };
}

function leaseTable(name: string): TableDefinition {
  return {
    role: 'lease',
    name,
    model: modelNameFor(name),
    doc:
      'A virtual partition of the outbox, leased to one relay instance at a time. A row belongs to\n' +
      'partition hashtext(key) mod (row count); `token` grows on every acquisition (fencing).',
    columns: [
      { name: 'partition', field: 'partition', type: 'int32', nullable: false },
      { name: 'owner', field: 'owner', type: 'text', nullable: true },
      { name: 'token', field: 'token', type: 'int64', nullable: false, default: { kind: 'value', value: 0 } },
      timestamp('expires_at', 'expiresAt', true),
      timestamp('acquired_at', 'acquiredAt', true),
    ],
    primaryKey: { name: `${name}_pkey`, columns: ['partition'] },
    indexes: [],
    extras: [],
  };
}

function instanceTable(name: string): TableDefinition {
  return {
    role: 'instance',
    name,
    model: modelNameFor(name),
    doc: "A live relay instance (heartbeat); the count of live ones sets each one's share of partitions.",
    columns: [
      { name: 'id', field: 'id', type: 'text', nullable: false },
      { name: 'host', field: 'host', type: 'text', nullable: true },
      { name: 'pid', field: 'pid', type: 'int32', nullable: true },
      timestamp('started_at', 'startedAt', false, { default: { kind: 'now' } }),
      timestamp('expires_at', 'expiresAt', false),
    ],
    primaryKey: { name: `${name}_pkey`, columns: ['id'] },
    indexes: [],
    extras: [],
  };
}

/** Derived names (`<table>_status_seq_idx`) must still be valid identifiers. */
function assertConstraintNames(table: TableDefinition): void {
  const names = [table.primaryKey.name, ...table.indexes.map((i) => i.name), ...table.extras.map((e) => e.name)];
  for (const name of names) {
    if (name.length > 63) {
      throw new InvalidConfigError(
        `tables.${table.role}`,
        `"${table.name}" is too long: the derived constraint name "${name}" exceeds 63 characters`,
      );
    }
  }
}
