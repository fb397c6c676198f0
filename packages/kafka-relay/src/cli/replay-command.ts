import { parseArgs } from 'node:util';
import { createConsoleLogger, InvalidConfigError, OutboxError, type LogLevel } from '@outboxkit/core';
import { replayDeadLetters, type ReplayDeadLettersOptions } from '../consumer/dead-letter-replay.js';
import { kafkaConnectionFromEnv } from './kafka-env.js';
import { brokerList } from './relay-env-variables.js';

export const REPLAY_USAGE = `Usage: outbox-relay replay (--group <groupId> | --topic <deadLetterTopic>)
                          (--all | --id <id> [--id <id> ...] | --from <time> [--to <time>])
                          [--dry-run] [--brokers host:port,...]

Puts dead letters back on their original topics, keeping their message ids (the inbox still
dedupes them). --from/--to take an ISO 8601 time or epoch milliseconds and select by the time
the record was dead-lettered. Brokers default to KAFKA_BROKERS; TLS, SASL and timeouts come from
the relay's variables (KAFKA_SSL*, KAFKA_SASL_*, KAFKA_*_TIMEOUT_MS: outbox-relay --help). Prints
one JSON line.`;

/**
 * `outbox-relay replay …`: returns the exit code (0 done, 1 failed, 2 usage error) instead of
 * exiting, so the CLI entry decides when the process ends.
 */
export async function runReplayCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  /** Restates a refused setting before it is printed (the CLI names the configuration file it came from). */
  locate: (error: unknown) => unknown = (error) => error,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(REPLAY_USAGE);
    return 0;
  }
  let options: ReplayDeadLettersOptions;
  try {
    options = replayOptionsFromArgs(argv, env);
  } catch (thrown) {
    const error = locate(thrown);
    err(`outbox-relay replay: ${error instanceof Error ? error.message : String(error)}\n\n${REPLAY_USAGE}`);
    return 2;
  }
  try {
    const result = await replayDeadLetters(options);
    out(
      JSON.stringify({
        event: result.dryRun ? 'replay:dry-run' : 'replay:done',
        deadLetterTopic: result.deadLetterTopic,
        scanned: result.scanned,
        replayed: result.replayed.length,
        skipped: result.skipped,
        records: result.replayed,
      }),
    );
    return 0;
  } catch (error) {
    err(`outbox-relay replay: ${error instanceof OutboxError || error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

export function replayOptionsFromArgs(argv: string[], env: NodeJS.ProcessEnv): ReplayDeadLettersOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      group: { type: 'string' },
      topic: { type: 'string' },
      id: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      all: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      brokers: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new InvalidConfigError('arguments', `unexpected "${positionals.join(' ')}"`);
  if (!values.group === !values.topic) throw new InvalidConfigError('--group/--topic', 'give exactly one of them');
  const rawBrokers = (values.brokers ?? env.KAFKA_BROKERS ?? '').trim();
  if (rawBrokers === '') throw new InvalidConfigError('KAFKA_BROKERS', 'is not set (or pass --brokers host:port)');
  const brokers = brokerList(values.brokers === undefined ? 'KAFKA_BROKERS' : '--brokers', rawBrokers);
  const ids = values.id ?? [];
  if (values.all && (ids.length > 0 || values.from || values.to)) throw new InvalidConfigError('--all', 'cannot be combined with --id, --from or --to');
  if (!values.all && ids.length === 0 && !values.from && !values.to) {
    throw new InvalidConfigError('selection', 'say what to replay: --all, --id, or --from/--to');
  }
  const level = (env.OUTBOX_LOG_LEVEL ?? 'warn') as LogLevel;
  const options: ReplayDeadLettersOptions = {
    brokers,
    all: values.all,
    dryRun: values['dry-run'],
    logger: createConsoleLogger(['debug', 'info', 'warn', 'error', 'silent'].includes(level) ? level : 'warn', { component: 'outbox-replay' }),
  };
  const kafkaConnection = kafkaConnectionFromEnv(env);
  if (kafkaConnection) options.kafkaConnection = kafkaConnection;
  if (values.group) options.groupId = values.group;
  if (values.topic) options.deadLetterTopic = values.topic;
  if (ids.length > 0) options.ids = ids;
  if (values.from) options.from = parseTime('--from', values.from);
  if (values.to) options.to = parseTime('--to', values.to);
  if (options.from && options.to && options.from > options.to) {
    throw new InvalidConfigError('--to', `(${options.to.toISOString()}) is before --from (${options.from.toISOString()}): the range would select nothing; swap them`);
  }
  return options;
}

function parseTime(flag: string, raw: string): Date {
  const date = /^\d+$/.test(raw) ? new Date(Number(raw)) : new Date(raw);
  if (Number.isNaN(date.getTime())) throw new InvalidConfigError(flag, `"${raw}" is not an ISO 8601 time or epoch milliseconds`);
  return date;
}
