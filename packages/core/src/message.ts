/** What application code hands to `send`. */
export interface OutboxMessageInput {
  /** Kafka topic the relay publishes to. */
  topic: string;
  /** Message key: Kafka partitions by it and outboxkit keeps per-key commit order. */
  key?: string | null;
  /** JSON-compatible data (sent JSON-encoded) or raw bytes (sent as they are). */
  value: unknown;
  /** Extra Kafka headers. Names starting with `outboxkit-` are reserved. */
  headers?: Record<string, string>;
  /** Message type, sent as a header (for example `OrderCreated`). */
  type?: string;
}

/** What a message is, encoded: the same before it is written and when the relay reads it back. */
export interface EncodedMessage {
  id: string;
  topic: string;
  key: string | null;
  /** JSON text of the value, or null when the value is raw bytes. */
  payloadJson: string | null;
  /** Raw bytes, or null when the value is JSON. */
  payloadBytes: Uint8Array | null;
  type: string | null;
  headers: Record<string, string>;
  producerGroup: string | null;
}

/** A validated, encoded message, ready to be inserted. */
export interface PreparedMessage extends EncodedMessage {
  transactionId: string | null;
}

/** An outbox row as the relay reads it for publishing. */
export interface StoredMessage extends EncodedMessage {
  seq: string;
  createdAt: Date;
  attempts: number;
}

/** Header names outboxkit puts on every Kafka record (docs/guarantees.md §5). */
export const HEADERS = Object.freeze({
  messageId: 'outboxkit-message-id',
  messageType: 'outboxkit-message-type',
  producerGroup: 'outboxkit-producer-group',
  createdAt: 'outboxkit-created-at',
  traceparent: 'traceparent',
});

export const RESERVED_HEADER_PREFIX = 'outboxkit-';
