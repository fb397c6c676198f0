import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { Logger } from '@outboxkit/core';
import { kafkajsLogCreator } from './kafkajs-logger.js';

function recorder() {
  const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push([level, message, fields]);
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const log = kafkajsLogCreator(logger)(logLevel.INFO);
  const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}) =>
    log({ namespace: 'x', level, label: 'x', log: { message, timestamp: 'now', ...extra } });
  return { lines, entry };
}

describe('kafkajsLogCreator', () => {
  it("sends kafkajs's expected warnings and errors to debug, with why", () => {
    const { lines, entry } = recorder();
    entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees');
    entry(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', { error: 'This server does not host this topic-partition' });
    entry(logLevel.ERROR, 'Failed to send messages: There is no leader for this topic-partition as we are in the middle of a leadership election');
    expect(lines.map(([level]) => level)).toEqual(['debug', 'debug', 'debug']);
    expect(lines[0]![2]).toMatchObject({ expected: 'the relay retries batches itself' });
    expect(lines[1]![2]).toMatchObject({ expected: 'a new topic is still electing its leaders' });
  });

  it('keeps real errors and warnings at their level; info goes to debug', () => {
    const { lines, entry } = recorder();
    entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    entry(logLevel.WARN, 'Response without match');
    entry(logLevel.INFO, 'Starting');
    expect(lines).toEqual([
      ['error', 'kafkajs: Connection error: connect ECONNREFUSED 127.0.0.1:9092', { timestamp: 'now' }],
      ['warn', 'kafkajs: Response without match', { timestamp: 'now' }],
      ['debug', 'kafkajs: Starting', { timestamp: 'now' }],
    ]);
  });
});
