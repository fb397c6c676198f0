import type { StoredMessage } from '@outboxkit/core';
import { HEADERS } from '@outboxkit/core/internal';
import type { Message } from 'kafkajs';

/** The Kafka record of docs/guarantees.md §5: key, value, outboxkit headers plus the user's own. */
export function toKafkaRecord(message: StoredMessage): Message {
  const headers: Record<string, string> = {
    ...message.headers,
    [HEADERS.messageId]: message.id,
    [HEADERS.createdAt]: message.createdAt.toISOString(),
  };
  if (message.type) headers[HEADERS.messageType] = message.type;
  if (message.producerGroup) headers[HEADERS.producerGroup] = message.producerGroup;
  return {
    key: message.key,
    value: message.payloadBytes ? Buffer.from(message.payloadBytes) : message.payloadJson,
    headers,
  };
}

/** Bytes the record will take on the wire, near enough to catch oversized messages early. */
export function recordSize(record: Message): number {
  let size = 0;
  if (record.key) size += Buffer.byteLength(record.key as string | Buffer);
  if (record.value) size += Buffer.byteLength(record.value as string | Buffer);
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    size += Buffer.byteLength(name) + (value ? Buffer.byteLength(value as string | Buffer) : 0);
  }
  return size;
}
