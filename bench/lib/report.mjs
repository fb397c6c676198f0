// Turns the runs into figures (median of the runs), checks them against the issue's targets
// (reported, never asserted), and renders the Markdown that goes to results/latest.md and README.
import { readFile, writeFile } from 'node:fs/promises';
import { median, medianOf, spread } from './stats.mjs';

const TARGETS = {
  drainMsgsPerSec: 25_000,
  drainVsRaw: 0.8,
  latencyP50: 5,
  latencyP99: 25,
  txOverheadPct: 0.2,
  inboxBatch: 20_000,
  inboxMessage: 3_000,
};

export function summarizeResults(raw) {
  const out = {};
  if (raw.drain) {
    const { relay, raw: rawRuns, peer } = raw.drain;
    const n = Math.min(relay.length, rawRuns.length);
    const ratios = [];
    for (let i = 0; i < n; i += 1) ratios.push(relay[i].msgsPerSec / rawRuns[i].msgsPerSec);
    // Ahead of the peer: the relay against the peer's best mode, run by run.
    const peerModes = Object.entries(peer ?? {}).filter(([, runs]) => runs.length > 0);
    const peerRatios = [];
    for (let i = 0; i < relay.length; i += 1) {
      const best = Math.max(...peerModes.map(([, runs]) => runs[i]?.msgsPerSec ?? NaN).filter(Number.isFinite));
      if (Number.isFinite(best) && best > 0) peerRatios.push(relay[i].msgsPerSec / best);
    }
    out.drain = {
      relay: { ...medianOf(relay.map(({ profile, ...r }) => r)), spread: spread(relay.map((r) => r.msgsPerSec)) },
      raw: { ...medianOf(rawRuns), spread: spread(rawRuns.map((r) => r.msgsPerSec)) },
      peer: Object.fromEntries(
        peerModes.map(([mode, runs]) => [mode, { ...medianOf(runs), capped: runs.some((p) => p.capped), spread: spread(runs.map((r) => r.msgsPerSec)) }]),
      ),
      relayVsRaw: median(ratios),
      relayVsPeer: peerRatios.length ? median(peerRatios) : NaN,
    };
  }
  if (raw.latency) {
    out.latency = {
      ...medianOf(raw.latency),
      spreadP50Ack: spread(raw.latency.map((r) => r.commitToAckMs?.p50)),
      spreadP99Ack: spread(raw.latency.map((r) => r.commitToAckMs?.p99)),
    };
  }
  if (raw.txcost) {
    const writers = Object.keys(raw.txcost[0] ?? {});
    out.txcost = {};
    for (const w of writers) {
      const perRun = raw.txcost.map((run) => {
        const v = run[w];
        const base = v.plain.latencyMs.p50;
        return {
          plain: v.plain,
          plusTrivial: v['plain+trivial'],
          outboxNoSend: v['outbox-nosend'],
          outbox: v.outbox,
          addedP50Ms: v.outbox.latencyMs.p50 - base,
          trivialAddedP50Ms: v['plain+trivial'].latencyMs.p50 - base,
          wrapperAddedP50Ms: v['outbox-nosend'].latencyMs.p50 - base,
          insertAddedP50Ms: v.outbox.latencyMs.p50 - v['outbox-nosend'].latencyMs.p50,
          addedPct: (v.outbox.latencyMs.p50 - base) / base,
          txPerSecChangePct: (v.outbox.txPerSec - v.plain.txPerSec) / v.plain.txPerSec,
        };
      });
      out.txcost[w] = medianOf(perRun);
    }
  }
  if (raw.inbox) {
    out.inbox = {};
    for (const mode of Object.keys(raw.inbox)) {
      out.inbox[mode] = { ...medianOf(raw.inbox[mode]), spread: spread(raw.inbox[mode].map((r) => r.msgsPerSec)) };
    }
  }
  return out;
}

export function evaluateTargets(s) {
  const t = [];
  const add = (name, target, value, met, unit = '') => t.push({ name, target, value, unit, met: Number.isFinite(value) ? met : null });
  if (s.drain) {
    add('Relay drain', '≥ 25,000 msgs/s', s.drain.relay.msgsPerSec, s.drain.relay.msgsPerSec >= TARGETS.drainMsgsPerSec, 'msgs/s');
    add('Relay vs raw kafkajs', '≥ 80 %', s.drain.relayVsRaw * 100, s.drain.relayVsRaw >= TARGETS.drainVsRaw, '%');
    if (Object.keys(s.drain.peer).length) add('Relay vs pg-transactional-outbox (its best mode)', 'ahead (> 1×)', s.drain.relayVsPeer, s.drain.relayVsPeer > 1, '×');
  }
  if (s.latency?.commitToAckMs) {
    add('Commit → broker ack p50', '≤ 5 ms', s.latency.commitToAckMs.p50, s.latency.commitToAckMs.p50 <= TARGETS.latencyP50, 'ms');
    add('Commit → broker ack p99', '≤ 25 ms', s.latency.commitToAckMs.p99, s.latency.commitToAckMs.p99 <= TARGETS.latencyP99, 'ms');
  }
  if (s.txcost?.['1']) {
    const one = s.txcost['1'];
    add('Outbox added p50 vs one trivial statement (1 writer)', '≤ trivial', one.addedP50Ms, one.addedP50Ms <= one.trivialAddedP50Ms, 'ms');
    add('Outbox added p50 (1 writer)', '≤ 20 %', one.addedPct * 100, one.addedPct <= TARGETS.txOverheadPct, '%');
  }
  for (const [key, v] of Object.entries(s.inbox ?? {})) {
    if (!key.startsWith('batch-')) continue;
    const size = key.slice('batch-'.length);
    add(`Inbox, batch mode (${inboxBatchLabel(size, v)})`, '≥ 20,000 msgs/s', v.msgsPerSec, v.msgsPerSec >= TARGETS.inboxBatch, 'msgs/s');
  }
  if (s.inbox?.message) add('Inbox, per message', '≥ 3,000 msgs/s', s.inbox.message.msgsPerSec, s.inbox.message.msgsPerSec >= TARGETS.inboxMessage, 'msgs/s');
  return t;
}

/** `default`: the worker left batchSize to the library and reported what it resolved. */
const inboxBatchLabel = (size, v) => (size === 'default' ? `batchSize ${v.batchSize ?? '?'}, the default` : `batchSize ${size}`);

const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
const ms = (v) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : '—');
const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '—');
const signedMs = (v) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${ms(v)}` : '—');
const mark = (met) => (met === null ? '—' : met ? '✅ met' : '❌ missed');

function formatValue(target) {
  if (target.unit === 'msgs/s') return `${int(target.value)} msgs/s`;
  if (target.unit === '%') return `${Number.isFinite(target.value) ? target.value.toFixed(0) : '—'} %`;
  if (target.unit === '×') return `${Number.isFinite(target.value) ? target.value.toFixed(2) : '—'}×`;
  if (target.unit === 'ms') return `${ms(target.value)} ms`;
  return String(target.value);
}

export function renderMarkdown(report, { benchReadme = 'bench/README.md' } = {}) {
  const { machine: m, summary: s, targets, config: c } = report;
  const lines = [];
  lines.push(`Measured ${report.finishedAt.slice(0, 16).replace('T', ' ')} UTC${report.quick ? ' — **QUICK smoke run (small sizes), not the issue\'s sizes**' : ''}; every figure is the median of ${c.runs} runs.`);
  lines.push('');
  lines.push(`Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres} (synchronous_commit=${m.postgresSettings.synchronous_commit}, shared_buffers=${m.postgresSettings.shared_buffers}); ${m.kafka}; kafkajs ${m.kafkajs}; Prisma ${m.prisma}; pg-transactional-outbox ${m.pgTransactionalOutbox}; commit ${m.git}. Load average at start ${m.loadAverageAtStart.join(' / ')}, at end ${(report.loadAverageAtEnd ?? []).join(' / ')}.`);
  lines.push('');
  if (report.merged?.length) {
    const bySource = new Map();
    for (const m of report.merged) {
      const entry = bySource.get(m.from) ?? { ...m, suites: [] };
      entry.suites.push(m.suite);
      bySource.set(m.from, entry);
    }
    const parts = [...bySource.values()].map(
      (m) => `${m.suites.join(', ')} from the run finished ${m.finishedAt.slice(0, 16).replace('T', ' ')} UTC (\`${m.from}\`, load average at its start ${(m.loadAverageAtStart ?? []).join(' / ')})`,
    );
    lines.push(`**Merged (BENCH_MERGE):** ${parts.join('; ')}; the rest was measured in this run.`);
    lines.push('');
  }
  if (c.pgSettings?.length) {
    lines.push(`**Experiment:** database settings ${c.pgSettings.map(([k, v]) => `${k}=${v}`).join(', ')} (not the defaults).`);
    lines.push('');
  }
  if (report.errors?.length) {
    lines.push(`**Failed:** ${report.errors.map((e) => `${e.measurement}: ${e.message.split('\n')[0]}`).join('; ')}`);
    lines.push('');
  }
  lines.push('| target | goal | result | |');
  lines.push('| --- | --- | --- | --- |');
  for (const t of targets) lines.push(`| ${t.name} | ${t.target} | ${formatValue(t)} | ${mark(t.met)} |`);
  lines.push('');

  if (s.drain) {
    const d = s.drain;
    lines.push(`**Drain** — ${int(c.drain.messages)} committed messages of ${c.drain.payloadBytes} B over ${int(c.drain.keys)} keys, topic of ${c.drain.topicPartitions} partitions, acks=all:`);
    lines.push('');
    lines.push('| publisher | msgs/s | time | runs (msgs/s) |');
    lines.push('| --- | --- | --- | --- |');
    lines.push(`| outboxkit Relay (batchSize ${c.drain.batchSize}) | ${int(d.relay.msgsPerSec)} | ${ms(d.relay.drainMs / 1000)} s | ${d.relay.spread.runs.map(int).join(', ')} |`);
    lines.push(`| raw kafkajs, same records and requests (ceiling) | ${int(d.raw.msgsPerSec)} | ${ms(d.raw.drainMs / 1000)} s | ${d.raw.spread.runs.map(int).join(', ')} |`);
    const modeLabel = { ordered: 'per-key order: segment = key, sequential', unordered: 'no order: parallel, no segment' };
    for (const [mode, p] of Object.entries(d.peer)) {
      const capped = p.capped ? `; run capped at ${c.peer.capMs / 1000} s, ${int(p.drained)} drained` : '';
      lines.push(`| pg-transactional-outbox ${m.pgTransactionalOutbox} polling listener + kafkajs (${modeLabel[mode] ?? mode}; batch ${c.peer.batchSize}${capped}) | ${int(p.msgsPerSec)} | ${ms(p.drainMs / 1000)} s | ${p.spread.runs.map(int).join(', ')} |`);
    }
    lines.push('');
    lines.push(`Relay / raw kafkajs: ${pct(d.relayVsRaw)}; relay / the peer's best mode: ${Number.isFinite(d.relayVsPeer) ? d.relayVsPeer.toFixed(1) : '—'}×.`);
    lines.push('');
  }
  if (s.latency) {
    const l = s.latency;
    lines.push(`**Commit → Kafka latency** — ${int(c.latency.rate)} msgs/s offered for ${c.latency.durationMs / 1000} s (${c.latency.perTx} ~1 KB message${c.latency.perTx > 1 ? 's' : ''} per Prisma transaction, ${int(c.latency.rate / c.latency.perTx)} transactions/s; relay sidecar woken by the after-commit nudge); achieved ${int(l.achievedRate)} msgs/s:`);
    lines.push('');
    lines.push('| ms | p50 | p90 | p99 | p99.9 | max |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    if (l.commitToAckMs) lines.push(`| commit → broker ack | ${ms(l.commitToAckMs.p50)} | ${ms(l.commitToAckMs.p90)} | ${ms(l.commitToAckMs.p99)} | ${ms(l.commitToAckMs.p999)} | ${ms(l.commitToAckMs.max)} |`);
    lines.push(`| commit → consumer receipt | ${ms(l.commitToConsumedMs.p50)} | ${ms(l.commitToConsumedMs.p90)} | ${ms(l.commitToConsumedMs.p99)} | ${ms(l.commitToConsumedMs.p999)} | ${ms(l.commitToConsumedMs.max)} |`);
    lines.push(`| (the writer's transaction itself) | ${ms(l.writerTransactionMs.p50)} | ${ms(l.writerTransactionMs.p90)} | ${ms(l.writerTransactionMs.p99)} | ${ms(l.writerTransactionMs.p999)} | ${ms(l.writerTransactionMs.max)} |`);
    lines.push('');
  }
  if (s.txcost) {
    lines.push('**Cost to the business transaction** — Prisma interactive transaction: create an Order + decrement a StockItem (1,000 SKUs); p50 / p99 latency in ms, transactions/s:');
    lines.push('');
    lines.push('| writers | plain | + one trivial statement | outbox.transaction, no message | outbox + one message | outbox added p50 | trivial added p50 |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const [w, v] of Object.entries(s.txcost)) {
      const cell = (x) => `${ms(x.latencyMs.p50)} / ${ms(x.latencyMs.p99)} ms, ${int(x.txPerSec)} tx/s`;
      lines.push(`| ${w} | ${cell(v.plain)} | ${cell(v.plusTrivial)} | ${cell(v.outboxNoSend)} | ${cell(v.outbox)} | ${signedMs(v.addedP50Ms)} ms (${pct(v.addedPct)}) | ${signedMs(v.trivialAddedP50Ms)} ms |`);
    }
    lines.push('');
  }
  if (s.inbox) {
    lines.push(`**Inbox consumer** — createInboxConsumer, no-op handler, ~1 KB records:`);
    lines.push('');
    lines.push('| mode | msgs/s | records timed | runs (msgs/s) |');
    lines.push('| --- | --- | --- | --- |');
    for (const [mode, v] of Object.entries(s.inbox)) {
      const label = mode.startsWith('batch-') ? `batch (${inboxBatchLabel(mode.slice(6), v)})` : `per message${v.concurrency ? ` (concurrency ${v.concurrency})` : ''}`;
      lines.push(`| ${label} | ${int(v.msgsPerSec)} | ${int(v.counted)} | ${v.spread.runs.map(int).join(', ')} |`);
    }
    lines.push('');
  }
  lines.push(`Method, what limits each figure and the profile notes: [bench/README.md](${benchReadme}). Targets are reported, never asserted.`);
  return lines.join('\n');
}

/** The Markdown file of a results JSON (what run.mjs writes as latest.md). */
export function renderLatest(report) {
  const heading = `# outboxkit benchmark — ${report.finishedAt.slice(0, 10)}\n\n`;
  return `${heading}${renderMarkdown(report, { benchReadme: report.quick ? '../../README.md' : '../README.md' })}\n`;
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** Rewrites the README's Benchmarks section (between the markers; appended when missing). */
export async function updateReadme(readmePath, markdown) {
  const text = await readFile(readmePath, 'utf8');
  const block = `${START}\n${markdown}\n${END}`;
  let next;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) next = text.slice(0, a) + block + text.slice(b + END.length);
  else next = `${text.trimEnd()}\n\n## Benchmarks\n\n\`npm run bench\` (see [bench/README.md](bench/README.md)) rewrites this section.\n\n${block}\n`;
  if (next !== text) await writeFile(readmePath, next);
}

// CLI: re-renders latest.md beside a results JSON, and the README section for a complete,
// non-quick run, without measuring again (after a change to this file's tables).
//   node bench/lib/report.mjs bench/results/<timestamp>.json
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { dirname, join, resolve } = await import('node:path');
  const file = resolve(process.argv[2]);
  const report = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(join(dirname(file), 'latest.md'), renderLatest(report));
  const complete = !report.errors?.length && ['drain', 'latency', 'txcost', 'inbox'].every((s) => report.runs?.[s]);
  if (!report.quick && complete) await updateReadme(join(dirname(file), '..', '..', 'README.md'), renderMarkdown(report));
  console.log(`rendered ${join(dirname(file), 'latest.md')}${!report.quick && complete ? ' and the README section' : ''}`);
}
