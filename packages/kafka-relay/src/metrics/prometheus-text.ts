/**
 * A small Prometheus registry rendering the text exposition format (version 0.0.4): counters,
 * gauges and histograms without labels, which is all the relay exports. Hand-written rather
 * than a dependency: a hundred lines, and the relay stays installable offline.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  readonly name: string;
  render(): string;
}

const NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function header(name: string, help: string, type: string): string {
  if (!NAME_PATTERN.test(name)) throw new Error(`invalid metric name "${name}"`);
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export class Counter implements Metric {
  private count = 0;
  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}
  inc(by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    this.count += by;
  }
  get value(): number {
    return this.count;
  }
  render(): string {
    return `${header(this.name, this.help, 'counter')}${this.name} ${formatValue(this.count)}\n`;
  }
}

export class Gauge implements Metric {
  private current = 0;
  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}
  set(value: number): void {
    this.current = value;
  }
  get value(): number {
    return this.current;
  }
  render(): string {
    return `${header(this.name, this.help, 'gauge')}${this.name} ${formatValue(this.current)}\n`;
  }
}

export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    if (buckets.some((b, i) => i > 0 && b <= buckets[i - 1]!)) throw new Error(`buckets of ${name} must increase`);
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    for (let i = 0; i < this.buckets.length; i += 1) if (value <= this.buckets[i]!) this.counts[i]! += 1;
  }
  get observations(): number {
    return this.count;
  }
  render(): string {
    let text = header(this.name, this.help, 'histogram');
    this.buckets.forEach((le, i) => {
      text += `${this.name}_bucket{le="${formatValue(le)}"} ${this.counts[i]}\n`;
    });
    text += `${this.name}_bucket{le="+Inf"} ${this.count}\n`;
    text += `${this.name}_sum ${formatValue(this.sum)}\n${this.name}_count ${this.count}\n`;
    return text;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('');
  }
  private add<M extends Metric>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.metrics.push(metric);
    return metric;
  }
}
