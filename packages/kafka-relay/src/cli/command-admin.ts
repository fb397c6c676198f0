import { InvalidConfigError } from '@outboxkit/core';
import { openOutboxAdmin, type OutboxAdmin } from '../admin/outbox-admin.js';
import type { PgConnectionSettings } from '../pg-connection.js';

/**
 * The OutboxAdmin the `dead` and `half` commands act through: the command's connection (its
 * name and the relay's timeouts, from commandDatabaseFromEnv) and the relay's table and channel
 * variables.
 */
export function commandAdmin(connection: PgConnectionSettings, env: NodeJS.ProcessEnv): OutboxAdmin {
  return openOutboxAdmin(
    {
      databaseUrl: connection.connectionString,
      tables: { schema: env.OUTBOX_SCHEMA || undefined, outbox: env.OUTBOX_TABLE || undefined },
      channel: env.OUTBOX_CHANNEL || undefined,
      connectTimeoutMs: connection.connectTimeoutMs,
      queryTimeoutMs: connection.queryTimeoutMs,
    },
    connection.applicationName,
  );
}

/** `--limit N` of the list actions: a positive integer, 1000 when not given. */
export function limitFlag(raw: string | undefined): number {
  const limit = raw === undefined ? 1000 : Number(raw);
  if (!Number.isInteger(limit) || limit <= 0) throw new InvalidConfigError('--limit', `must be a positive integer, got "${raw}"`);
  return limit;
}
