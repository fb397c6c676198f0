import { describe, expect, it } from 'vitest';
import { TypedEvents } from '../events.js';
import { silentLogger } from '../logger.js';
import type { OutboxEvents } from '../outbox-contract.js';
import type { SqlStatement } from '../ports.js';
import { nudgeRelayAfterCommit } from './commit-nudge.js';

describe('nudgeRelayAfterCommit', () => {
  it('notifies after each commit, folding commits during a nudge in flight into one more', async () => {
    const events = new TypedEvents<OutboxEvents>(silentLogger);
    const sent: SqlStatement[] = [];
    const pending: Array<() => void> = [];
    const stop = nudgeRelayAfterCommit(events, {
      query: async () => [],
      execute: (statement) => {
        sent.push(statement);
        return new Promise<number>((resolve) => pending.push(() => resolve(1)));
      },
    }, { channel: 'ch' });
    const commit = () => events.emit('transaction:committed', { messageIds: ['m'], topics: ['t'] });
    commit();
    commit();
    commit();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({ text: 'SELECT pg_notify($1::text, $2::text)', values: ['ch', 'messages'] });
    pending.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toHaveLength(2);
    pending.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toHaveLength(2);
    stop();
    commit();
    expect(sent).toHaveLength(2);
  });

  it('survives a failing nudge (the relay still polls)', async () => {
    const events = new TypedEvents<OutboxEvents>(silentLogger);
    let calls = 0;
    nudgeRelayAfterCommit(events, {
      query: async () => [],
      execute: async () => {
        calls += 1;
        throw new Error('db down');
      },
    });
    events.emit('transaction:committed', { messageIds: [], topics: [] });
    await new Promise((r) => setTimeout(r, 0));
    events.emit('transaction:committed', { messageIds: [], topics: [] });
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toBe(2);
  });
});
