import type { Logger } from '@outboxkit/core';
import { logLevel, type logCreator } from 'kafkajs';

/**
 * kafkajs warnings and errors that are expected in normal operation, each with why: they go to
 * debug, so that warn and error lines stay worth reading. A failure kafkajs does not recover
 * from still reaches the log — as the relay's own "relay step failed" line, with the error.
 */
const EXPECTED: ReadonlyArray<{ why: string; matches: (message: string, error: string) => boolean }> = [
  {
    // Logged at every producer creation. The relay limits kafkajs's retries on purpose: its own
    // backoff retries a failed batch, and records carry their message id for the inbox to dedupe.
    why: 'the relay retries batches itself',
    matches: (message) => message.startsWith('Limiting retries for the idempotent producer'),
  },
  {
    // The first send to a topic Kafka creates on demand meets partitions without a leader yet;
    // kafkajs refreshes the metadata and retries (both as an error-level line).
    why: 'a new topic is still electing its leaders',
    matches: (message, error) =>
      /This server does not host this topic-partition|There is no leader for this topic-partition/.test(`${message} ${error}`),
  },
];

/** Routes kafkajs's own log lines into outboxkit's logger instead of console. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...fields } = log;
      const text = `kafkajs: ${message}`;
      if (level === logLevel.ERROR || level === logLevel.WARN) {
        const expected = EXPECTED.find((e) => e.matches(message, typeof fields.error === 'string' ? fields.error : ''));
        if (expected) logger.debug(text, { ...fields, expected: expected.why });
        else if (level === logLevel.ERROR) logger.error(text, fields);
        else logger.warn(text, fields);
      } else if (level === logLevel.INFO) logger.debug(text, fields);
    };
}
