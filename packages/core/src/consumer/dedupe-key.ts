import { describeError } from '../describe-error.js';
import { encodeDedupeKey, storableDedupeKey, strictUtf8 } from '../inbox/dedupe-key-encoding.js';
import { isPresentId, messageIdFromHeader, rawHeaderValue, type ConsumedRecord, type MessageIdExtractor } from '../inbox/consumed-record.js';
import { CONSUMER_HEADERS, readDeliveryInfo } from './consumer-headers.js';

export type DedupeKeySource = 'message-id' | 'extractor' | 'carried' | 'offset';

export interface DedupeKey {
  key: string;
  source: DedupeKeySource;
}

/**
 * The key the inbox dedupes a record on, first match wins:
 *
 * 1. outboxkit's message-id header (docs/guarantees.md §5: it survives every redelivery, retry and replay);
 * 2. the configured extractor, for records from other producers;
 * 3. the dedupe key a retry hop or a replay carried along (`outboxkit-dedupe-key`);
 * 4. last resort, the record's *original* topic, partition and offset (`topic/partition/offset`,
 *    `/` cannot occur in a Kafka topic name). The original position is read from the headers a
 *    retry hop or replay wrote, so the key is the same on every delivery of that record.
 *
 * Ids become keys with `encodeDedupeKey`: losslessly, and always in a form the inbox can store
 * (no header content can make the receipt's INSERT fail and stop the partition: docs/guarantees.md
 * §4.6, §4.9). An empty id counts as none.
 *
 * An extractor that throws, or returns something that is neither text nor bytes, is treated as
 * one that found nothing; the caller learns of it through `extractorError`, so it can decide what
 * a record it cannot read deserves.
 */
export function resolveDedupeKey(record: ConsumedRecord, extractor?: MessageIdExtractor): DedupeKey & { extractorError?: unknown } {
  const messageId = messageIdFromHeader(record);
  if (isPresentId(messageId)) return { key: encodeDedupeKey(messageId), source: 'message-id' };
  let extractorError: unknown;
  if (extractor) {
    try {
      const extracted: unknown = extractor(record);
      if (isPresentId(extracted)) return { key: encodeDedupeKey(extracted), source: 'extractor' };
      if (extracted !== undefined && extracted !== null && extracted !== '' && !(extracted instanceof Uint8Array)) {
        extractorError = new TypeError(`the messageId extractor returned ${describeError(extracted, 100)} (${typeof extracted}); return a string, bytes or undefined`);
      }
    } catch (error) {
      extractorError = error;
    }
  }
  const carried = carriedKey(record);
  const resolved: DedupeKey = carried ? { key: carried, source: 'carried' } : { key: offsetKey(record), source: 'offset' };
  return extractorError === undefined ? resolved : { ...resolved, extractorError };
}

/** The key a retry hop or replay carried: a key already (maybe an encoded one), so kept when storable. */
function carriedKey(record: ConsumedRecord): string | undefined {
  const raw = rawHeaderValue(record, CONSUMER_HEADERS.dedupeKey);
  if (!isPresentId(raw)) return undefined;
  const text = typeof raw === 'string' ? raw : strictUtf8(raw);
  return text === undefined ? encodeDedupeKey(raw) : storableDedupeKey(text);
}

/** `topic/partition/offset` of where the record was first consumed. */
export function offsetKey(record: ConsumedRecord): string {
  const origin = readDeliveryInfo(record);
  return `${origin.topic}/${origin.partition}/${origin.offset}`;
}
