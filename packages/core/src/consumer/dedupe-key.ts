import { headerValue, messageIdFromHeader, type ConsumedRecord, type MessageIdExtractor } from '../inbox/consumed-record.js';
import { CONSUMER_HEADERS, readDeliveryInfo } from './consumer-headers.js';

export type DedupeKeySource = 'message-id' | 'extractor' | 'carried' | 'offset';

export interface DedupeKey {
  key: string;
  source: DedupeKeySource;
}

/**
 * The key the inbox dedupes a record on, first match wins:
 *
 * 1. outboxkit's message-id header (SPEC §5: it survives every redelivery, retry and replay);
 * 2. the configured extractor, for records from other producers;
 * 3. the dedupe key a retry hop or a replay carried along (`outboxkit-dedupe-key`);
 * 4. last resort, the record's *original* topic, partition and offset (`topic/partition/offset`,
 *    `/` cannot occur in a Kafka topic name). The original position is read from the headers a
 *    retry hop or replay wrote, so the key is the same on every delivery of that record.
 *
 * An extractor that throws is treated as one that found nothing; the caller learns of it through
 * `extractorError`, so it can decide what a record it cannot read deserves.
 */
export function resolveDedupeKey(record: ConsumedRecord, extractor?: MessageIdExtractor): DedupeKey & { extractorError?: unknown } {
  const messageId = messageIdFromHeader(record);
  if (messageId) return { key: messageId, source: 'message-id' };
  let extractorError: unknown;
  if (extractor) {
    try {
      const extracted = extractor(record);
      if (extracted) return { key: extracted, source: 'extractor' };
    } catch (error) {
      extractorError = error;
    }
  }
  const carried = headerValue(record, CONSUMER_HEADERS.dedupeKey);
  const resolved: DedupeKey = carried ? { key: carried, source: 'carried' } : { key: offsetKey(record), source: 'offset' };
  return extractorError === undefined ? resolved : { ...resolved, extractorError };
}

/** `topic/partition/offset` of where the record was first consumed. */
export function offsetKey(record: ConsumedRecord): string {
  const origin = readDeliveryInfo(record);
  return `${origin.topic}/${origin.partition}/${origin.offset}`;
}
