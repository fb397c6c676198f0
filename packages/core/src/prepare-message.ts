import { InvalidMessageError, MessageSerializationError, MessageTooLargeError } from './errors.js';
import { thrownFacts } from './describe-error.js';
import { RESERVED_HEADER_PREFIX, type OutboxMessageInput, type PreparedMessage } from './message.js';
import { newMessageId } from './message-id.js';
import { DEFAULT_OUTBOX_OPTIONS, type MessageLimits } from './outbox-settings.js';
import { checkStorableJson } from './storable-json.js';
import { topicNameProblem } from './topic-name.js';
import { UNSTORABLE_CHARACTER_NAMES, unstorableCharacter } from './unicode-text.js';

export interface PrepareOptions extends Pick<MessageLimits, 'maxMessageBytes'>, Partial<Omit<MessageLimits, 'maxMessageBytes'>> {
  producerGroup?: string | null;
  transactionId?: string | null;
}

/**
 * Validates and encodes one message at the moment `send` is called, so a bad message fails in
 * the caller's stack (and rolls its transaction back) instead of at commit or in the relay.
 * What passes, PostgreSQL can store and Kafka can accept (docs/guarantees.md §4.7): a topic
 * name Kafka allows, a bounded key and headers, no NUL and no lone surrogate anywhere.
 */
export function prepareMessage(input: OutboxMessageInput, options: PrepareOptions): PreparedMessage {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    const got = input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input;
    throw new InvalidMessageError('message', `must be an object { topic, key?, value, headers?, type? }, got ${got}`);
  }
  const maxKeyBytes = options.maxKeyBytes ?? DEFAULT_OUTBOX_OPTIONS.maxKeyBytes;
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_OUTBOX_OPTIONS.maxHeaderBytes;

  const { topic } = input;
  if (topic === undefined || topic === null || topic === '') {
    throw new InvalidMessageError('topic', 'is missing: every message needs the Kafka topic to publish to');
  }
  if (typeof topic !== 'string') throw new InvalidMessageError('topic', `must be a string (the Kafka topic's name), got ${typeOf(topic)}`);
  const topicProblem = topicNameProblem(topic);
  if (topicProblem) throw new InvalidMessageError('topic', `${shown(topic)} ${topicProblem}`);

  const key = input.key ?? null;
  if (key !== null) {
    if (typeof key !== 'string') throw new InvalidMessageError('key', `must be a string or null, got ${typeOf(key)}`, { topic });
    refuseUnstorable('key', '', key, topic);
    const keyBytes = Buffer.byteLength(key, 'utf8');
    if (keyBytes > maxKeyBytes) {
      throw new InvalidMessageError(
        'key',
        `is ${keyBytes} bytes (UTF-8), above the limit of ${maxKeyBytes} (maxKeyBytes): use a shorter key — an id or a hash ` +
          `of what the messages are about — or raise maxKeyBytes in the Outbox options`,
        { topic },
      );
    }
  }

  const type = input.type ?? null;
  if (type !== null) {
    if (typeof type !== 'string') throw new InvalidMessageError('type', `must be a string, got ${typeOf(type)}`, { topic });
    if (type.length === 0) throw new InvalidMessageError('type', 'is empty: give the message type a name (for example OrderCreated) or leave it out', { topic });
    refuseUnstorable('type', '', type, topic);
  }
  const headers = validateHeaders(input.headers, topic);
  const headerBytes = encodedHeaderBytes(headers) + (type === null ? 0 : Buffer.byteLength(type, 'utf8'));
  if (headerBytes > maxHeaderBytes) {
    throw new InvalidMessageError(
      'headers',
      `take ${headerBytes} bytes (names and values, with the type, UTF-8), above the limit of ${maxHeaderBytes} (maxHeaderBytes): ` +
        'move what is large into the value, or raise maxHeaderBytes in the Outbox options',
      { topic },
    );
  }

  const id = newMessageId();
  let payloadJson: string | null = null;
  let payloadBytes: Uint8Array | null = null;
  if (input.value instanceof Uint8Array) {
    payloadBytes = input.value;
  } else {
    payloadJson = encodeJson(input.value, id, topic);
  }

  const size = (payloadBytes ? payloadBytes.byteLength : Buffer.byteLength(payloadJson!, 'utf8')) + (key ? Buffer.byteLength(key, 'utf8') : 0) + headerBytes;
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
  if (typeof headers !== 'object' || Array.isArray(headers) || !isPlainObject(headers)) {
    const got = Array.isArray(headers) ? 'an array' : typeof headers === 'object' ? `a ${headers.constructor?.name ?? 'non-plain object'}` : typeOf(headers);
    throw new InvalidMessageError('headers', `must be a plain object of string values ({ name: "value" }), got ${got}`, { topic });
  }
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.length === 0) throw new InvalidMessageError('headers', 'has a header with an empty name: give every header a name', { topic });
    if (name.toLowerCase().startsWith(RESERVED_HEADER_PREFIX)) {
      throw new InvalidMessageError(
        'headers',
        `${shown(name)} uses the prefix "${RESERVED_HEADER_PREFIX}", reserved for outboxkit's own headers: rename it`,
        { topic },
      );
    }
    refuseUnstorable('headers', `entry ${shown(name)} has a name that `, name, topic);
    if (typeof value !== 'string') {
      throw new InvalidMessageError('headers', `${shown(name)} must be a string, got ${typeOf(value)}: convert the value to a string`, { topic });
    }
    refuseUnstorable('headers', `entry ${shown(name)} has a value that `, value, topic);
    result[name] = value;
  }
  return result;
}

function encodeJson(value: unknown, messageId: string, topic: string): string {
  refuseLossyValue(value, topic);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    // JSON.stringify throws TypeError for BigInt and for cyclic structures, RangeError when too deep.
    const detail = thrownFacts(error).message; // a toJSON may throw anything
    throw new MessageSerializationError(detail, { cause: error, messageId, topic });
  }
  if (json === undefined) {
    throw new MessageSerializationError(`a value of type ${typeOf(value)} has no JSON form`, { messageId, topic });
  }
  const problem = checkStorableJson(json);
  if (problem) throw new InvalidMessageError('value', problem, { messageId, topic });
  return json;
}

/**
 * Values JSON.stringify turns into something else without a word: a Map or a Set becomes `{}`,
 * an ArrayBuffer `{}`, another typed array an object of indexes. Sending those would publish an
 * empty or mangled message.
 */
function refuseLossyValue(value: unknown, topic: string): void {
  if (value instanceof Map) {
    throw new InvalidMessageError('value', 'is a Map, which JSON turns into {}: convert it first (Object.fromEntries(map))', { topic });
  }
  if (value instanceof Set) {
    throw new InvalidMessageError('value', 'is a Set, which JSON turns into {}: convert it first ([...set])', { topic });
  }
  if (value instanceof ArrayBuffer || (ArrayBuffer.isView(value) && !(value instanceof Uint8Array))) {
    throw new InvalidMessageError('value', `is a ${(value as object).constructor.name}: pass raw bytes as a Uint8Array (or a Buffer)`, { topic });
  }
}

/**
 * NUL and lone surrogates cannot be stored (unicode-text.ts): refuse them, naming the field and,
 * for a header, which one.
 */
function refuseUnstorable(field: 'key' | 'type' | 'headers', subject: string, text: string, topic: string): void {
  const problem = unstorableCharacter(text);
  if (!problem) return;
  const elsewhere = field === 'headers' ? ', or carry the data in the message value instead' : '';
  throw new InvalidMessageError(field, `${subject}contains ${UNSTORABLE_CHARACTER_NAMES[problem]}, which PostgreSQL cannot store: remove it${elsewhere}`, { topic });
}

function encodedHeaderBytes(headers: Record<string, string>): number {
  let size = 0;
  for (const [name, value] of Object.entries(headers)) size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  return size;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** A user's string as an error message may quote it: short, and with control characters escaped. */
function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
