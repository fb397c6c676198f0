// BENCH_TRACE=1 instrumentation for the workers: where the wall time of a process goes, by kind
// of SQL statement (every pg.Client#query in the process: the relay's pool, Prisma's adapter-pg
// pool) and by kafkajs request (instrumentation REQUEST events of every producer and consumer).
// Bench-only patches; the library is untouched. pg and kafkajs are one module instance each for
// the whole workspace (pnpm links one copy), so patching here reaches the library's clients.
import { Kafka } from 'kafkajs';
import pg from 'pg';
import { nowMs } from './clock.mjs';

export function sqlKind(text) {
  const sql = String(text).replace(/\s+/g, ' ').trim();
  if (/^BEGIN; SET LOCAL/i.test(sql)) return 'BEGIN + SET LOCAL (one round trip)';
  if (/^(BEGIN|COMMIT|ROLLBACK)/i.test(sql)) return sql.split(' ')[0].toUpperCase();
  if (sql.includes('set_config')) return 'set lock_timeout';
  if (/^SELECT .* FOR UPDATE OF o/i.test(sql)) return 'claim (SELECT … FOR UPDATE)';
  if (/UPDATE .*SET status = 'PUBLISHED'/i.test(sql)) return 'ack (UPDATE … PUBLISHED)';
  if (/^INSERT INTO .*inbox_message/i.test(sql)) return 'inbox receipt(s) INSERT';
  if (/^WITH key_locks/i.test(sql)) return 'outbox INSERT (key locks + rows)';
  return `other: ${sql.slice(0, 60)}`;
}

export function startTrace() {
  const times = new Map();
  const add = (kind, ms) => {
    const t = times.get(kind) ?? { count: 0, totalMs: 0 };
    t.count += 1;
    t.totalMs += ms;
    times.set(kind, t);
  };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function tracedQuery(config, values, callback) {
    const started = nowMs();
    const result = query.call(this, config, values, callback);
    if (result && typeof result.then === 'function') {
      const text = typeof config === 'string' ? config : config?.text;
      result.then(() => add(`sql ${sqlKind(text)}`, nowMs() - started), () => {});
    }
    return result;
  };
  for (const kind of ['producer', 'consumer']) {
    const create = Kafka.prototype[kind];
    Kafka.prototype[kind] = function tracedClient(...args) {
      const client = create.apply(this, args);
      client.on(client.events.REQUEST, ({ payload }) => add(`kafka ${kind} ${payload.apiName}`, payload.duration));
      return client;
    };
  }
  return {
    times,
    report: () => Object.fromEntries([...times].sort((a, b) => b[1].totalMs - a[1].totalMs).map(([k, v]) => [k, { count: v.count, totalMs: Math.round(v.totalMs) }])),
  };
}
