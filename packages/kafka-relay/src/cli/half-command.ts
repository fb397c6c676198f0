import { parseArgs } from 'node:util';
import { InvalidConfigError } from '@outboxkit/core';
import {
  DEFAULT_RELAY_CHANNEL,
  HalfMessageAdmin,
  notifyRelay,
  RelayNudge,
  type AdminActionResult,
  type HalfMessageSummary,
} from '@outboxkit/core/internal';
import pg from 'pg';
import { explainPgError, pgClientConfig } from '../pg-connection.js';
import { pgExecutor } from '../pg-transaction-runner.js';
import { commandDatabaseFromEnv } from './relay-env.js';

export const HALF_USAGE = `usage:
  outbox-relay half list [--parked] [--limit N]   one JSON line per undecided half message (oldest first)
  outbox-relay half resume <id> [<id> ...]        check these again now, with a fresh budget of checks
  outbox-relay half commit <id> [<id> ...]        commit these half messages (they get published)
  outbox-relay half rollback <id> [<id> ...]      roll these half messages back (never published)
env: DATABASE_URL (required), OUTBOX_SCHEMA, OUTBOX_TABLE, OUTBOX_CHANNEL`;

/**
 * `outbox-relay half …`: what an operator does with half messages, parked ones above all. Every
 * change is a compare-and-set on `status = 'HALF'`, so an operator can decide an undecided
 * message but never overturn a decision. Writes JSON to `out`; returns the exit code (1 when a
 * message could not be changed).
 */
export async function halfCommand(args: string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      parked: { type: 'boolean' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, ...ids] = positionals;
  const actions = ['list', 'resume', 'commit', 'rollback'];
  if (values.help || action === undefined || !actions.includes(action) || (action !== 'list' && ids.length === 0)) {
    out(HALF_USAGE);
    return values.help ? 0 : 2;
  }
  const connection = commandDatabaseFromEnv(env, 'half');
  const tables = { schema: env.OUTBOX_SCHEMA || undefined, outbox: env.OUTBOX_TABLE || undefined };

  // With the relay's connect and query timeouts: a database that does not answer fails the command, never hangs it.
  const explain = (error: unknown) => explainPgError(error, connection);
  const client = new pg.Client(pgClientConfig(connection));
  client.on('error', () => undefined);
  await client.connect().catch((error: unknown) => {
    throw explain(error);
  });
  try {
    const executor = pgExecutor(client, explain);
    const admin = new HalfMessageAdmin(executor, tables);
    if (action === 'list') {
      const limit = values.limit === undefined ? 1000 : Number(values.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new InvalidConfigError('--limit', `must be a positive integer, got "${values.limit}"`);
      for (const message of await admin.list({ parkedOnly: values.parked ?? false, limit })) out(JSON.stringify(toListed(message)));
      return 0;
    }
    const results: AdminActionResult[] =
      action === 'resume' ? await admin.resume(ids) : action === 'commit' ? await admin.commit(ids) : await admin.rollback(ids);
    const done = results.filter((r) => r.ok).map((r) => r.id);
    const unchanged = results.flatMap((r) => (r.ok ? [] : [{ id: r.id, status: r.status }]));
    // Committed messages are READY now: wake the relays instead of waiting for their next poll.
    if (action === 'commit' && done.length > 0) {
      await executor.execute(notifyRelay(env.OUTBOX_CHANNEL || DEFAULT_RELAY_CHANNEL, RelayNudge.messages)).catch(() => undefined);
    }
    out(JSON.stringify({ action, done, unchanged }));
    return unchanged.length > 0 ? 1 : 0;
  } finally {
    await client.end();
  }
}

function toListed(message: HalfMessageSummary) {
  return {
    id: message.id,
    topic: message.topic,
    key: message.key,
    producerGroup: message.producerGroup,
    transactionId: message.transactionId,
    checks: message.checkCount,
    markerCheck: message.markerCheck,
    parked: message.parked,
    parkedAt: message.parkedAt?.toISOString() ?? null,
    nextCheckAt: message.nextCheckAt?.toISOString() ?? null,
    reason: message.lastError,
    createdAt: message.createdAt.toISOString(),
    ageMs: message.ageMs,
  };
}
