import { InvalidConfigError } from '../errors.js';
import type { ConsumedRecord } from '../inbox/consumed-record.js';
import type { DedupeKeySource } from './dedupe-key.js';
import type { ValueDecoder } from './decode.js';

/** What a consumer handler receives. It runs inside the transaction that records the inbox receipt. */
export interface InboxHandlerContext<TValue = unknown, TClient = unknown> {
  /** The decoded value (JSON by default). */
  value: TValue;
  /** The inbox dedupe key: the message id, or what stood in for it (see `dedupeKeySource`). */
  messageId: string;
  dedupeKeySource: DedupeKeySource;
  /** Where the record was first consumed (the same on a retry or a replay). */
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The record's headers as strings (first value of repeated headers). */
  headers: Record<string, string>;
  /** 1 on the first delivery, 2 on the first retry, … */
  attempt: number;
  /** Retries made before this delivery (RocketMQ's `reconsumeTimes`): `attempt - 1`. */
  reconsumeTimes: number;
  consumerGroup: string;
  /** The record as this delivery brought it (from the retry topic on a retry). */
  record: ConsumedRecord;
  /** The transaction-bound client (a Prisma transaction client). */
  tx: TClient;
}

export type InboxHandlerFn<TValue = any, TClient = any> = (context: InboxHandlerContext<TValue, TClient>) => Promise<void>;

export interface InboxHandlerOptions<TValue = any> {
  /** Topic or topics whose records the handler receives. */
  topic: string | readonly string[];
  /** Only consumers of this group use the handler. Default: any consumer given the handler. */
  consumerGroup?: string;
  /** Turns the record's value into `context.value`. Default: the consumer's decoder (JSON). */
  decode?: ValueDecoder<TValue>;
}

/** A handler in plain-function form, or one collected from a decorated method. */
export interface InboxHandlerDefinition<TValue = any, TClient = any> extends InboxHandlerOptions<TValue> {
  handle: InboxHandlerFn<TValue, TClient>;
  /** For logs: the method or function name. */
  name?: string;
}

/** Plain-function form of `@InboxHandler`: validates and returns the definition. */
export function defineInboxHandler<TValue = unknown, TClient = unknown>(
  definition: InboxHandlerDefinition<TValue, TClient>,
): InboxHandlerDefinition<TValue, TClient> {
  validateHandlerOptions(definition, 'defineInboxHandler');
  if (typeof definition.handle !== 'function') throw new InvalidConfigError('defineInboxHandler.handle', 'must be a function');
  return { ...definition, name: definition.name ?? (definition.handle.name || undefined) };
}

export function handlerTopics(options: InboxHandlerOptions): string[] {
  return typeof options.topic === 'string' ? [options.topic] : [...options.topic];
}

export function validateHandlerOptions(options: InboxHandlerOptions, where: string): void {
  const topics = options && options.topic !== undefined ? handlerTopics(options) : [];
  if (topics.length === 0 || topics.some((topic) => typeof topic !== 'string' || topic.length === 0)) {
    throw new InvalidConfigError(`${where}.topic`, 'needs at least one non-empty topic name');
  }
}
