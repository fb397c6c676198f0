import type { Logger } from '@outboxkit/core';
import { logLevel, type logCreator } from 'kafkajs';

/** Routes kafkajs's own log lines into outboxkit's logger instead of console. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...fields } = log;
      const text = `kafkajs: ${message}`;
      if (level === logLevel.ERROR) logger.error(text, fields);
      else if (level === logLevel.WARN) logger.warn(text, fields);
      else if (level === logLevel.INFO) logger.debug(text, fields);
    };
}
