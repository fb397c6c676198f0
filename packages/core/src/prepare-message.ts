import {
  InvalidMessageError,
  MessageSerializationError,
  MessageTooLargeError,
} from './errors.js';
import { RESERVED_HEADER_PREFIX, type OutboxMessageInput, type PreparedMessage } from './message.js';
import { newMessageId } from './message-id.js';

/** Kafka's own rule for topic names (kafka.common.internals.Topic). */
const TOPIC_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

export interface PrepareOptions {
  maxMessageBytes: number;
  producerGroup?: string | null;
  transactionId?: string | null;
}

/**
 * Validates and encodes one message at the moment `send` is called, so a bad message fails in
 * the caller's stack (and rolls its transaction back) instead of at commit or in the relay.
 */
export function prepareMessage(input: OutboxMessageInput, options: PrepareOptions): PreparedMessage {
  if (input === null || typeof input !== 'object') {
    throw new InvalidMessageError('message', 'must be an object { topic, key?, value, headers?, type? }');
  }
  const { topic } = input;
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new InvalidMessageError('topic', 'is missing: every message needs the Kafka topic to publish to');
  }
  if (!TOPIC_PATTERN.test(topic)) {
    throw new InvalidMessageError(
      'topic',
      `"${topic}" is not a valid Kafka topic name (1-249 characters of a-z, A-Z, 0-9, ".", "_", "-")`,
      { topic },
    );
  }
  const key = input.key ?? null;
  if (key !== null && typeof key !== 'string') {
    throw new InvalidMessageError('key', `must be a string or null, got ${typeof key}`, { topic });
  }
  const type = input.type ?? null;
  if (type !== null && typeof type !== 'string') {
    throw new InvalidMessageError('type', `must be a string, got ${typeof type}`, { topic });
  }
  const headers = validateHeaders(input.headers, topic);

  const id = newMessageId();
  let payloadJson: string | null = null;
  let payloadBytes: Uint8Array | null = null;
  if (input.value instanceof Uint8Array) {
    payloadBytes = input.value;
  } else {
    payloadJson = encodeJson(input.value, id, topic);
  }

  const size = encodedSize(key, payloadJson, payloadBytes, headers);
  if (size > options.maxMessageBytes) {
    throw new MessageTooLargeError(size, options.maxMessageBytes, { messageId: id, topic });
  }

  return {
    id,
    topic,
    key,
    payloadJson,
    payloadBytes,
    type,
    headers,
    producerGroup: options.producerGroup ?? null,
    transactionId: options.transactionId ?? null,
  };
}

function validateHeaders(headers: unknown, topic: string): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (typeof headers !== 'object' || Array.isArray(headers)) {
    throw new InvalidMessageError('headers', 'must be an object of string values', { topic });
  }
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase().startsWith(RESERVED_HEADER_PREFIX)) {
      throw new InvalidMessageError('headers', `"${name}" uses the reserved prefix "${RESERVED_HEADER_PREFIX}"`, { topic });
    }
    if (typeof value !== 'string') {
      throw new InvalidMessageError('headers', `"${name}" must be a string, got ${typeof value}`, { topic });
    }
    result[name] = value;
  }
  return result;
}

function encodeJson(value: unknown, messageId: string, topic: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    // JSON.stringify throws TypeError for BigInt and for cyclic structures.
    const detail = error instanceof Error ? error.message : String(error);
    throw new MessageSerializationError(detail, { cause: error, messageId, topic });
  }
  if (json === undefined) {
    throw new MessageSerializationError(`a value of type ${typeof value} has no JSON form`, { messageId, topic });
  }
  // PostgreSQL's jsonb cannot store the NUL character; refusing here beats a failed commit.
  if (json.includes('\\u0000')) {
    throw new MessageSerializationError('strings containing the NUL character (\\u0000) cannot be stored', {
      messageId,
      topic,
    });
  }
  return json;
}

function encodedSize(
  key: string | null,
  payloadJson: string | null,
  payloadBytes: Uint8Array | null,
  headers: Record<string, string>,
): number {
  let size = payloadBytes ? payloadBytes.byteLength : Buffer.byteLength(payloadJson ?? '', 'utf8');
  if (key) size += Buffer.byteLength(key, 'utf8');
  for (const [name, value] of Object.entries(headers)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  return size;
}
