import { describe, expect, it } from 'vitest';
import { replayOptionsFromArgs, runReplayCommand } from './replay-command.js';

const env = { KAFKA_BROKERS: 'k1:9092, k2:9092' };

describe('outbox-relay replay arguments', () => {
  it('select by group and ids, with brokers from the environment', () => {
    const options = replayOptionsFromArgs(['--group', 'inventory', '--id', 'a', '--id', 'b'], env);
    expect(options).toMatchObject({ groupId: 'inventory', ids: ['a', 'b'], brokers: ['k1:9092', 'k2:9092'], all: false, dryRun: false });
  });

  it('select by time range (ISO or epoch ms) on an explicit topic', () => {
    const options = replayOptionsFromArgs(['--topic', 'x.DLQ', '--from', '2026-01-01T00:00:00Z', '--to', '1767225600000', '--dry-run'], env);
    expect(options.deadLetterTopic).toBe('x.DLQ');
    expect(options.from?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(options.to?.getTime()).toBe(1767225600000);
    expect(options.dryRun).toBe(true);
  });

  it('refuse to replay everything unless told --all, and other mistakes', () => {
    expect(() => replayOptionsFromArgs(['--group', 'g'], env)).toThrow(/--all, --id, or --from/);
    expect(replayOptionsFromArgs(['--group', 'g', '--all'], env).all).toBe(true);
    expect(() => replayOptionsFromArgs(['--group', 'g', '--all', '--id', 'x'], env)).toThrow(/cannot be combined/);
    expect(() => replayOptionsFromArgs(['--group', 'g', '--topic', 't', '--all'], env)).toThrow(/exactly one/);
    expect(() => replayOptionsFromArgs(['--group', 'g', '--all'], {})).toThrow(/KAFKA_BROKERS/);
    expect(() => replayOptionsFromArgs(['--group', 'g', '--from', 'yesterday'], env)).toThrow(/--from/);
    expect(() => replayOptionsFromArgs(['--bogus'], env)).toThrow();
  });

  it('exits 2 with the usage on a usage error', async () => {
    const errors: string[] = [];
    expect(await runReplayCommand(['--group', 'g'], env, () => undefined, (line) => errors.push(line))).toBe(2);
    expect(errors.join('\n')).toContain('Usage: outbox-relay replay');
  });
});

describe('outbox-relay replay --help', () => {
  it('prints the usage and exits 0', async () => {
    const lines: string[] = [];
    expect(await runReplayCommand(['--help'], {}, (line) => lines.push(line))).toBe(0);
    expect(lines[0]).toContain('Usage: outbox-relay replay');
  });
});
