import { InboxMissingIdError } from '../errors.js';
import { HEADERS } from '../message.js';

type HeaderValue = Buffer | string | Array<Buffer | string> | undefined;

/**
 * The parts of a consumed Kafka record the inbox needs. kafkajs's EachMessagePayload has this
 * shape, so it can be passed as is; the core imports no Kafka client.
 */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  message: {
    offset: string;
    key?: Buffer | string | null;
    value?: Buffer | string | null;
    headers?: Record<string, HeaderValue>;
  };
}

export function headerValue(record: ConsumedRecord, name: string): string | undefined {
  const raw = record.message.headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/** Extracts the dedupe key of a record; the default reads outboxkit's message-id header. */
export type MessageIdExtractor = (record: ConsumedRecord) => string | undefined;

export const messageIdFromHeader: MessageIdExtractor = (record) => headerValue(record, HEADERS.messageId);

export function requireMessageId(record: ConsumedRecord, extract: MessageIdExtractor): string {
  const id = extract(record);
  if (!id) {
    throw new InboxMissingIdError(
      `Record ${record.topic}/${record.partition}@${record.message.offset} has no message id ` +
        `(header "${HEADERS.messageId}"). Configure messageId: (record) => ... for records from other producers.`,
    );
  }
  return id;
}
