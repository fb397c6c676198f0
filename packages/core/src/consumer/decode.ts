import { thrownFacts } from '../describe-error.js';
import { MessageDecodeError } from '../errors.js';
import type { ConsumedRecord } from '../inbox/consumed-record.js';

/** Turns a record's value into what the handler receives. Throwing sends the record to the dead-letter topic. */
export type ValueDecoder<T = unknown> = (record: ConsumedRecord) => T;

/**
 * The default decoder: the value as UTF-8 JSON (outboxkit sends JSON payloads JSON-encoded); a
 * null value (a tombstone) decodes to null. Anything else that does not parse is undecodable.
 */
export const decodeJson: ValueDecoder = (record) => {
  const value = record.message.value;
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value : value.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MessageDecodeError(`${record.topic}/${record.partition}@${record.message.offset} is not JSON (${(error as Error).message})`, {
      cause: error,
      topic: record.topic,
    });
  }
};

/** A decoder that hands the raw bytes over (null for a tombstone). */
export const decodeRaw: ValueDecoder<Buffer | null> = (record) => {
  const value = record.message.value;
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value) : value;
};

/** Runs a decoder; whatever it throws becomes a MessageDecodeError (never retried). */
export function decodeValue<T>(decoder: ValueDecoder<T>, record: ConsumedRecord): T {
  try {
    return decoder(record);
  } catch (error) {
    if (isDecodeError(error)) throw error;
    throw new MessageDecodeError(thrownFacts(error).message, { cause: error, topic: record.topic });
  }
}

/** `instanceof` throws on a revoked Proxy; a decoder may throw one. */
function isDecodeError(error: unknown): boolean {
  try {
    return error instanceof MessageDecodeError;
  } catch {
    return false;
  }
}
