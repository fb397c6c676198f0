import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '@outboxkit/core';
import { resolveRelaySettings } from '../relay-settings.js';
import { locateConfigError, relayEnvironment, takeConfigOption } from './relay-config-file.js';
import { relayOptionsFromEnv } from './relay-env.js';
import { runReplayCommand } from './replay-command.js';

const dir = mkdtempSync(join(tmpdir(), 'outbox-relay-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function configFile(content: unknown): string {
  const path = join(dir, `relay-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function refusal(run: () => unknown): InvalidConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    return error as InvalidConfigError;
  }
  throw new Error('expected an InvalidConfigError');
}

const PASSWORD = 'file-Pa55word-never-shown';
const base = { DATABASE_URL: `postgres://relay:${PASSWORD}@db:5432/app`, KAFKA_BROKERS: ['k1:9092', 'k2:9092'], OUTBOX_LOG_LEVEL: 'silent' };

describe('--config', () => {
  it('is taken off the front of the arguments, in both spellings', () => {
    expect(takeConfigOption(['--config', 'a.json', 'dead', 'list'])).toEqual({ file: 'a.json', rest: ['dead', 'list'] });
    expect(takeConfigOption(['--config=a.json'])).toEqual({ file: 'a.json', rest: [] });
    expect(takeConfigOption(['dead', 'list'])).toEqual({ file: undefined, rest: ['dead', 'list'] });
    expect(refusal(() => takeConfigOption(['--config'])).message).toMatch(/--config: needs the path of a JSON file/);
    expect(refusal(() => takeConfigOption(['--config', '--help'])).setting).toBe('--config');
  });
});

describe('relayEnvironment', () => {
  it('reads the file by variable name, the environment winning over it; values become what the env would hold', () => {
    const file = configFile({ ...base, OUTBOX_BATCH_SIZE: 250, OUTBOX_PARTITIONS: 16, OUTBOX_HALF_CHECKS: false });
    const environment = relayEnvironment({ OUTBOX_PARTITIONS: '8', OUTBOX_BATCH_SIZE: ' ' }, file);
    expect(environment.env).toMatchObject({ KAFKA_BROKERS: 'k1:9092,k2:9092', OUTBOX_BATCH_SIZE: '250', OUTBOX_PARTITIONS: '8', OUTBOX_HALF_CHECKS: 'false' });
    // A blank variable is unset, as the relay reads it: the file's value stands.
    expect([...environment.fromFile].sort()).toEqual(['DATABASE_URL', 'KAFKA_BROKERS', 'OUTBOX_BATCH_SIZE', 'OUTBOX_HALF_CHECKS', 'OUTBOX_LOG_LEVEL']);
    const options = relayOptionsFromEnv(environment.env);
    expect(options.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(options.halfMessages).toBe(false);
    expect(resolveRelaySettings(options)).toMatchObject({ batchSize: 250, partitions: 8 });
  });

  it('takes OUTBOX_CONFIG_FILE when there is no --config, and --config over it', () => {
    const fromVariable = configFile({ OUTBOX_BATCH_SIZE: 7 });
    const fromOption = configFile({ OUTBOX_BATCH_SIZE: 9 });
    expect(relayEnvironment({ OUTBOX_CONFIG_FILE: fromVariable }).env.OUTBOX_BATCH_SIZE).toBe('7');
    expect(relayEnvironment({ OUTBOX_CONFIG_FILE: fromVariable }, fromOption).env.OUTBOX_BATCH_SIZE).toBe('9');
    expect(relayEnvironment({ OUTBOX_BATCH_SIZE: '3' }).fromFile.size).toBe(0);
  });

  it('refuses unknown keys, shapes and unreadable files with typed errors naming the key and the file', () => {
    const typo = configFile({ ...base, OUTBOX_BATCH_SIZ: 5 });
    expect(refusal(() => relayEnvironment({}, typo)).message).toBe(
      `Invalid outboxkit setting OUTBOX_BATCH_SIZ (in ${typo}): is not a setting of outbox-relay; did you mean OUTBOX_BATCH_SIZE?: ` +
        'the keys are the environment variable names that outbox-relay --help lists',
    );
    const nested = configFile({ OUTBOX_HTTP_PORT: { port: 1 } });
    expect(refusal(() => relayEnvironment({}, nested)).setting).toBe(`OUTBOX_HTTP_PORT (in ${nested})`);
    expect(refusal(() => relayEnvironment({}, configFile({ OUTBOX_TABLE: null }))).message).toMatch(/leave the key out for the default\), got null/);
    expect(refusal(() => relayEnvironment({}, configFile({ OUTBOX_CONFIG_FILE: 'other.json' }))).message).toMatch(/cannot be set in a configuration file/);
    expect(refusal(() => relayEnvironment({}, configFile(['KAFKA_BROKERS']))).message).toMatch(/must hold one JSON object/);
    expect(refusal(() => relayEnvironment({}, join(dir, 'absent.json'))).message).toMatch(/--config: cannot read .*absent\.json \(ENOENT\)/);
    expect(refusal(() => relayEnvironment({ OUTBOX_CONFIG_FILE: join(dir, 'absent.json') })).setting).toBe('OUTBOX_CONFIG_FILE');
  });

  it('never repeats a secret: not in a JSON syntax error, nor in a refused DATABASE_URL', () => {
    const broken = configFile(`{\n  "DATABASE_URL": "postgres://relay:${PASSWORD}@db/app",\n  "OUTBOX_CHECKER_SECRET": "${PASSWORD}" oops\n}`);
    const syntax = refusal(() => relayEnvironment({}, broken));
    expect(syntax.message).toMatch(/is not valid JSON \(line 3, column \d+\)/);
    expect(syntax.message).not.toContain(PASSWORD);
    const badUrl = configFile({ ...base, DATABASE_URL: `mysql://relay:${PASSWORD}@db/app` });
    const environment = relayEnvironment({}, badUrl);
    const error = refusal(() => {
      try {
        relayOptionsFromEnv(environment.env);
      } catch (thrown) {
        throw locateConfigError(thrown, environment);
      }
    });
    expect(error.setting).toBe(`DATABASE_URL (in ${badUrl})`);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('a bad value from the file is the environment\'s error, located in the file; one from the environment is not', () => {
    const file = configFile({ ...base, OUTBOX_BATCH_SIZE: 1.5 });
    const environment = relayEnvironment({ OUTBOX_LEASE_MS: 'soon' }, file);
    const run = () => {
      try {
        relayOptionsFromEnv(environment.env);
      } catch (thrown) {
        throw locateConfigError(thrown, environment);
      }
    };
    expect(refusal(run).message).toMatch(/^Invalid outboxkit setting OUTBOX_BATCH_SIZE \(in .*relay-\d+\.json\): must be a whole number of at least 1/);
    const fromEnv = relayEnvironment({ OUTBOX_LEASE_MS: 'soon' }, configFile(base));
    const envError = refusal(() => {
      try {
        relayOptionsFromEnv(fromEnv.env);
      } catch (thrown) {
        throw locateConfigError(thrown, fromEnv);
      }
    });
    expect(envError.setting).toBe('OUTBOX_LEASE_MS');
  });

  it('replay reports a refused key of the file with the file, like the other commands', async () => {
    const file = configFile({ KAFKA_BROKERS: 'kafka-without-port' });
    const environment = relayEnvironment({}, file);
    const lines: string[] = [];
    const code = await runReplayCommand(['--group', 'g', '--all'], environment.env, () => undefined, (line) => lines.push(line), (error) => locateConfigError(error, environment));
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain(`Invalid outboxkit setting KAFKA_BROKERS (in ${file}): must be comma-separated host:port pairs`);
  });
});
