import { parseArgs } from 'node:util';
import { InvalidConfigError } from '@outboxkit/core';
import type { DeadMessage } from '@outboxkit/core/internal';
import { commandAdmin, limitFlag } from './command-admin.js';
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

  // Checked before connecting: a typo in an id must not cost a round trip, nor hide behind a connection error.
  if (action === 'retry' && values.all && ids.length > 0) throw new InvalidConfigError('dead retry', 'give message ids or --all, not both');
  if (action === 'retry' && !values.all && ids.length === 0) {
    out(DEAD_USAGE);
    return 2;
  }
  const limit = limitFlag(values.limit);

  const admin = commandAdmin(connection, env);
  try {
    if (action === 'list') {
      for (const message of await admin.dead.list({ topic: values.topic, limit })) out(JSON.stringify(toListed(message)));
      return 0;
    }
    // The admin refuses an id that is not a UUID before its first round trip, and nudges the relays.
    const { retried, notDead } = values.all ? { ...(await admin.dead.retryAll({ topic: values.topic })), notDead: [] } : await admin.dead.retry(ids);
    out(JSON.stringify({ retried, notDead }));
    return notDead.length > 0 ? 1 : 0;
  } finally {
    await admin.close();
  }
}

function toListed(message: DeadMessage) {
  return {
    id: message.id,
    seq: message.seq,
    topic: message.topic,
    key: message.key,
    type: message.type,
    attempts: message.attempts,
    reason: message.lastError,
    sizeBytes: message.sizeBytes,
    createdAt: message.createdAt.toISOString(),
    parkedAt: message.parkedAt?.toISOString() ?? null,
  };
}
