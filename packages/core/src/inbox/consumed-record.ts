import { InboxMissingIdError } from '../errors.js';
import { HEADERS } from '../message.js';
import { encodeDedupeKey } from './dedupe-key-encoding.js';

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

/** The first value of a header as text (UTF-8; invalid bytes become U+FFFD, so not for ids: see `rawHeaderValue`). */
export function headerValue(record: ConsumedRecord, name: string): string | undefined {
  const first = rawHeaderValue(record, name);
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/** The first value of a header as it arrived: bytes from Kafka (a string from a test or a fake). */
export function rawHeaderValue(record: ConsumedRecord, name: string): Buffer | string | undefined {
  const raw = record.message.headers?.[name];
  return Array.isArray(raw) ? raw[0] : raw;
}

/**
 * Extracts a record's message id: text, or bytes as they arrived. The inbox turns it into its
 * dedupe key with `encodeDedupeKey` (lossless: two different ids never share a key). Undefined,
 * or an empty id, means the record has none.
 */
export type MessageIdExtractor = (record: ConsumedRecord) => string | Uint8Array | undefined;

/** The default extractor: outboxkit's message-id header, as raw bytes. */
export const messageIdFromHeader: MessageIdExtractor = (record) => rawHeaderValue(record, HEADERS.messageId);

/** True for an id an extractor found: a non-empty string or byte array. */
export function isPresentId(id: unknown): id is string | Uint8Array {
  return (typeof id === 'string' || id instanceof Uint8Array) && id.length > 0;
}

/** The dedupe key of a record (`encodeDedupeKey` of what `extract` found); throws when it has no id. */
export function requireMessageId(record: ConsumedRecord, extract: MessageIdExtractor): string {
  const id = extract(record);
  if (!isPresentId(id)) {
    throw new InboxMissingIdError(
      `Record ${record.topic}/${record.partition}@${record.message.offset} has no message id ` +
        `(header "${HEADERS.messageId}"). Configure messageId: (record) => ... for records from other producers.`,
    );
  }
  return encodeDedupeKey(id);
}
