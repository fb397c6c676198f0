import { parseArgs } from 'node:util';
import { InvalidConfigError, InvalidMessageIdError } from '@outboxkit/core';
import {
  DEFAULT_RELAY_CHANNEL,
  isUuid,
  listDeadMessages,
  notifyRelay,
  qualifyTables,
  retryAllDeadMessages,
  retryDeadMessages,
  RelayNudge,
  type DeadMessageRow,
} from '@outboxkit/core/internal';
import pg from 'pg';
import { explainPgError, pgClientConfig } from '../pg-connection.js';
import { pgExecutor } from '../pg-transaction-runner.js';
import { commandDatabaseFromEnv } from './relay-env.js';

export const DEAD_USAGE = `usage:
  outbox-relay dead list [--topic T] [--limit N]     one JSON line per DEAD message (oldest first)
  outbox-relay dead retry <id> [<id> ...]            send these DEAD messages back to READY
  outbox-relay dead retry --all [--topic T]          send every DEAD message (of a topic) back to READY
env: DATABASE_URL (required), OUTBOX_SCHEMA, OUTBOX_TABLE, OUTBOX_CHANNEL`;

/**
 * `outbox-relay dead …`: the operator's view of parked messages. `retry` moves rows DEAD → READY
 * (guarded by the DEAD state) and nudges the relays, which publish them in `seq` order ahead of
 * the later messages of their key that the "hold" policy kept back. Writes JSON to `out`;
 * returns the exit code.
 */
export async function deadCommand(args: string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      topic: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, ...ids] = positionals;
  if (values.help || (action !== 'list' && action !== 'retry') || (action === 'list' && ids.length > 0)) {
    out(DEAD_USAGE);
    return values.help ? 0 : 2;
  }
  const connection = commandDatabaseFromEnv(env, 'dead');
  const table = qualifyTables({ schema: env.OUTBOX_SCHEMA || undefined, outbox: env.OUTBOX_TABLE || undefined }).outbox;
  const channel = env.OUTBOX_CHANNEL || DEFAULT_RELAY_CHANNEL;

  // Checked before connecting: a typo in an id must not cost a round trip, nor hide behind a connection error.
  if (action === 'retry' && values.all && ids.length > 0) throw new InvalidConfigError('dead retry', 'give message ids or --all, not both');
  if (action === 'retry' && !values.all && ids.length === 0) {
    out(DEAD_USAGE);
    return 2;
  }
  const invalid = ids.filter((id) => !isUuid(id));
  if (invalid.length > 0) throw new InvalidMessageIdError(invalid);
  const limit = values.limit === undefined ? 1000 : Number(values.limit);
  if (!Number.isInteger(limit) || limit <= 0) throw new InvalidConfigError('--limit', `must be a positive integer, got "${values.limit}"`);

  const explain = (error: unknown) => explainPgError(error, connection);
  const client = new pg.Client(pgClientConfig(connection));
  client.on('error', () => undefined);
  await client.connect().catch((error: unknown) => {
    throw explain(error);
  });
  try {
    const executor = pgExecutor(client, explain);
    if (action === 'list') {
      const rows = await executor.query<DeadMessageRow>(listDeadMessages(table, { topic: values.topic, limit }));
      for (const row of rows) out(JSON.stringify(toListed(row)));
      return 0;
    }
    const moved = await executor.query<{ id: string }>(values.all ? retryAllDeadMessages(table, values.topic) : retryDeadMessages(table, ids));
    const retried = moved.map((r) => r.id);
    const notDead = ids.filter((id) => !retried.includes(id.toLowerCase()));
    if (retried.length > 0) await executor.execute(notifyRelay(channel, RelayNudge.messages));
    out(JSON.stringify({ retried, notDead }));
    return notDead.length > 0 ? 1 : 0;
  } finally {
    await client.end();
  }
}

function toListed(row: DeadMessageRow) {
  return {
    id: row.id,
    seq: row.seq,
    topic: row.topic,
    key: row.key,
    type: row.type,
    attempts: row.attempts,
    reason: row.last_error,
    sizeBytes: row.size_bytes,
    createdAt: iso(row.created_at),
    parkedAt: row.parked_at === null ? null : iso(row.parked_at),
  };
}

function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
