import { parseArgs } from 'node:util';
import type { AdminActionResult, HalfMessageSummary } from '@outboxkit/core/internal';
import { commandAdmin, limitFlag } from './command-admin.js';
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

  // With the relay's connect and query timeouts: a database that does not answer fails the command, never hangs it.
  const admin = commandAdmin(connection, env);
  try {
    if (action === 'list') {
      const limit = limitFlag(values.limit);
      const listed = values.parked ? await admin.half.parked({ limit }) : await admin.half.list({ limit });
      for (const message of listed) out(JSON.stringify(toListed(message)));
      return 0;
    }
    // Committing nudges the relays (the messages are READY now); ids that are not UUIDs are refused before any round trip.
    const results: AdminActionResult[] =
      action === 'resume' ? await admin.half.resume(ids) : action === 'commit' ? await admin.half.commit(ids) : await admin.half.rollback(ids);
    const done = results.filter((r) => r.ok).map((r) => r.id);
    const unchanged = results.flatMap((r) => (r.ok ? [] : [{ id: r.id, status: r.status }]));
    out(JSON.stringify({ action, done, unchanged }));
    return unchanged.length > 0 ? 1 : 0;
  } finally {
    await admin.close();
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
