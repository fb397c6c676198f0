// Summarises a V8 .cpuprofile (node --cpu-prof, as BENCH_PROFILE=1 writes for the relay): self
// time by function and by package, so a profile can be read without a browser.
//
//   node bench/lib/profile-summary.mjs bench/results/profiles/relay-drain-run0.cpuprofile [top=25]
import { readFileSync } from 'node:fs';

export function summarizeProfile(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i += 1) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map();
  const pkg = new Map();
  for (const [id, us] of self) {
    const { callFrame: f } = byId.get(id);
    const where = f.url ? `${f.url.replace(/^file:\/\//, '').replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/.*\/work\/main\//, '')}:${f.lineNumber + 1}` : '';
    const name = `${f.functionName || '(anonymous)'} ${where}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + us);
    const url = f.url ?? '';
    const p = url.includes('node_modules')
      ? url.replace(/.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+).*/, '$1')
      : url.includes('/packages/')
        ? `@outboxkit/${url.replace(/.*\/packages\/([^/]+)\/.*/, '$1')}`
        : url.startsWith('node:') ? 'node internals' : url ? 'other' : f.functionName || '(vm)';
    pkg.set(p, (pkg.get(p) ?? 0) + us);
  }
  const rank = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => ({ name: k, ms: Math.round(us / 1000), pct: Math.round((us / total) * 1000) / 10 }));
  return { totalMs: Math.round(total / 1000), byPackage: rank(pkg), byFunction: rank(fn) };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [file, top = '25'] = process.argv.slice(2);
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), Number(top));
  console.log(`total sampled: ${summary.totalMs} ms\n\nby package:`);
  for (const r of summary.byPackage) console.log(`  ${String(r.pct).padStart(5)} %  ${String(r.ms).padStart(6)} ms  ${r.name}`);
  console.log('\nby function (self time):');
  for (const r of summary.byFunction) console.log(`  ${String(r.pct).padStart(5)} %  ${String(r.ms).padStart(6)} ms  ${r.name}`);
}
