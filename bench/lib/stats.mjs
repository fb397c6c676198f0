// Statistics used by every measurement: percentiles of samples, medians across runs.

/** The p-th percentile (0..100) of `values`, nearest-rank on the sorted samples. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50/p90/p99/p99.9, min, max and mean of a list of samples (ms or anything). */
export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: n,
    min: n ? sorted[0] : NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: n ? sorted[n - 1] : NaN,
    mean: n ? sum / n : NaN,
  };
}

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/**
 * Median across runs of every numeric field of `runs` (objects of the same shape, nested
 * objects included). Non-numeric fields are taken from the first run.
 */
export function medianOf(runs) {
  if (runs.length === 0) return {};
  const first = runs[0];
  if (typeof first === 'number') return median(runs);
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return first;
  const out = {};
  for (const key of Object.keys(first)) {
    out[key] = medianOf(runs.map((r) => r?.[key]).filter((v) => v !== undefined));
  }
  return out;
}

/** Spread of a figure across runs, for the JSON: min, median, max. */
export function spread(values) {
  const v = values.filter(Number.isFinite);
  return { min: Math.min(...v), median: median(v), max: Math.max(...v), runs: v };
}
