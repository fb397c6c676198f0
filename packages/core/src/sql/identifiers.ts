import { InvalidConfigError } from '../errors.js';

/** Unquoted PostgreSQL identifiers we accept: letters, digits, underscores, at most 63 bytes. */
const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Validates a configured identifier once, at config time, and returns it double-quoted. */
export function quoteIdentifier(name: string, setting: string): string {
  if (typeof name !== 'string' || !IDENTIFIER_PATTERN.test(name)) {
    throw new InvalidConfigError(
      setting,
      `"${String(name)}" is not an accepted SQL identifier (letters, digits and "_", starting with a letter or "_", at most 63 characters)`,
    );
  }
  return `"${name}"`;
}

export interface TableNamesOptions {
  /** Database schema holding the tables. Default `public`. */
  schema?: string;
  /** Outbox table. Default `outbox_message`. */
  outbox?: string;
  /** Inbox table. Default `inbox_message`. */
  inbox?: string;
  /** Half-message marker table. Default `outbox_tx_marker`. */
  marker?: string;
}

export const DEFAULT_TABLE_NAMES = Object.freeze({
  schema: 'public',
  outbox: 'outbox_message',
  inbox: 'inbox_message',
  marker: 'outbox_tx_marker',
});

/**
 * Default names of the tables the relay coordinates through (the Outbox does not use them, so
 * they are not in TableNamesOptions). Every default table name of outboxkit is in this file.
 */
export const DEFAULT_RELAY_TABLE_NAMES = Object.freeze({
  lease: 'outbox_relay_lease',
  instance: 'outbox_relay_instance',
});

/** Fully qualified, quoted table names, safe to put into SQL text. */
export interface QualifiedTables {
  outbox: string;
  inbox: string;
  marker: string;
}

export function qualifyTables(options: TableNamesOptions = {}): QualifiedTables {
  const names = { ...DEFAULT_TABLE_NAMES, ...stripUndefined(options) };
  const schema = quoteIdentifier(names.schema, 'tables.schema');
  return {
    outbox: `${schema}.${quoteIdentifier(names.outbox, 'tables.outbox')}`,
    inbox: `${schema}.${quoteIdentifier(names.inbox, 'tables.inbox')}`,
    marker: `${schema}.${quoteIdentifier(names.marker, 'tables.marker')}`,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
