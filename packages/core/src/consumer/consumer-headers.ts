import { thrownFacts } from '../describe-error.js';
import { headerValue, type ConsumedRecord } from '../inbox/consumed-record.js';
import type { DeadLetterReason } from './reconsume-policy.js';

/**
 * Headers the consumer helper puts on the records it sends to the retry and dead-letter topics.
 * The record's own key, value and headers (the message id among them) travel unchanged.
 */
export const CONSUMER_HEADERS = Object.freeze({
  /** Retries made so far (RocketMQ's `reconsumeTimes`): 1 on the first retry record. */
  reconsumeTimes: 'outboxkit-reconsume-times',
  /** When a retry record is due, ISO 8601. */
  dueAt: 'outboxkit-retry-due-at',
  /** The delay level (1-based) the retry waited. */
  delayLevel: 'outboxkit-retry-delay-level',
  consumerGroup: 'outboxkit-consumer-group',
  /** Where the record was first consumed: survives every retry hop and the replay. */
  originalTopic: 'outboxkit-original-topic',
  originalPartition: 'outboxkit-original-partition',
  originalOffset: 'outboxkit-original-offset',
  /** The inbox dedupe key used for the record (its message id, or what stood in for it). */
  dedupeKey: 'outboxkit-dedupe-key',
  deadLetterReason: 'outboxkit-dlq-reason',
  deadLetterAt: 'outboxkit-dlq-at',
  errorName: 'outboxkit-error-name',
  errorCode: 'outboxkit-error-code',
  errorMessage: 'outboxkit-error-message',
  /** The first frames of the error's stack. */
  errorStack: 'outboxkit-error-stack',
  replayedAt: 'outboxkit-replayed-at',
});

/** Kept by a replay: they identify the record (dedupe) and where it came from. */
const KEPT_ON_REPLAY = new Set<string>([
  CONSUMER_HEADERS.originalTopic,
  CONSUMER_HEADERS.originalPartition,
  CONSUMER_HEADERS.originalOffset,
  CONSUMER_HEADERS.dedupeKey,
]);

const ALL_CONSUMER_HEADERS = new Set<string>(Object.values(CONSUMER_HEADERS));

export type HeaderValue = Buffer | string | Array<Buffer | string> | undefined;
export type RecordHeaders = Record<string, HeaderValue>;

/** Where a record was first consumed, and how often it has been retried. */
export interface DeliveryInfo {
  topic: string;
  partition: number;
  offset: string;
  /** 0 on the first delivery. */
  reconsumeTimes: number;
  /** Epoch ms when a retry record is due; undefined for a first delivery. */
  dueAt: number | undefined;
}

/** Reads the delivery info of a record, from its headers when it made a retry hop or a replay. */
export function readDeliveryInfo(record: ConsumedRecord): DeliveryInfo {
  const topic = headerValue(record, CONSUMER_HEADERS.originalTopic);
  const partition = Number(headerValue(record, CONSUMER_HEADERS.originalPartition));
  const offset = headerValue(record, CONSUMER_HEADERS.originalOffset);
  const hasOrigin = topic !== undefined && offset !== undefined && Number.isInteger(partition) && /^\d+$/.test(offset);
  const reconsumeTimes = Number(headerValue(record, CONSUMER_HEADERS.reconsumeTimes) ?? 0);
  const dueRaw = headerValue(record, CONSUMER_HEADERS.dueAt);
  const dueAt = dueRaw === undefined ? undefined : Date.parse(dueRaw);
  return {
    topic: hasOrigin ? topic : record.topic,
    partition: hasOrigin ? partition : record.partition,
    offset: hasOrigin ? offset : record.message.offset,
    reconsumeTimes: Number.isInteger(reconsumeTimes) && reconsumeTimes >= 0 ? reconsumeTimes : 0,
    dueAt: dueAt === undefined || Number.isNaN(dueAt) ? undefined : dueAt,
  };
}

export interface ForwardContext {
  origin: DeliveryInfo;
  consumerGroup: string;
  dedupeKey: string;
  error: unknown;
}

/** Headers of a retry record: the record's own plus attempt count, due time and origin. */
export function retryHeaders(
  headers: RecordHeaders | undefined,
  context: ForwardContext & { reconsumeTimes: number; dueAt: number; delayLevel: number },
): RecordHeaders {
  return {
    ...withoutConsumerHeaders(headers),
    ...originHeaders(context),
    [CONSUMER_HEADERS.reconsumeTimes]: String(context.reconsumeTimes),
    [CONSUMER_HEADERS.dueAt]: new Date(context.dueAt).toISOString(),
    [CONSUMER_HEADERS.delayLevel]: String(context.delayLevel),
    ...errorHeaders(context.error),
  };
}

/** Headers of a dead letter: the record's own plus why, when, the error and its origin. */
export function deadLetterHeaders(
  headers: RecordHeaders | undefined,
  context: ForwardContext & { reason: DeadLetterReason; reconsumeTimes: number; at: number },
): RecordHeaders {
  return {
    ...withoutConsumerHeaders(headers),
    ...originHeaders(context),
    [CONSUMER_HEADERS.reconsumeTimes]: String(context.reconsumeTimes),
    [CONSUMER_HEADERS.deadLetterReason]: context.reason,
    [CONSUMER_HEADERS.deadLetterAt]: new Date(context.at).toISOString(),
    ...errorHeaders(context.error),
  };
}

/** Headers of a replayed dead letter: its own, its origin and dedupe key; no error or retry state. */
export function replayHeaders(headers: RecordHeaders | undefined, at: number): RecordHeaders {
  const kept: RecordHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined && (!ALL_CONSUMER_HEADERS.has(name) || KEPT_ON_REPLAY.has(name))) kept[name] = value;
  }
  kept[CONSUMER_HEADERS.replayedAt] = new Date(at).toISOString();
  return kept;
}

function withoutConsumerHeaders(headers: RecordHeaders | undefined): RecordHeaders {
  const kept: RecordHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined && !ALL_CONSUMER_HEADERS.has(name)) kept[name] = value;
  }
  return kept;
}

function originHeaders(context: ForwardContext): Record<string, string> {
  return {
    [CONSUMER_HEADERS.consumerGroup]: context.consumerGroup,
    [CONSUMER_HEADERS.originalTopic]: context.origin.topic,
    [CONSUMER_HEADERS.originalPartition]: String(context.origin.partition),
    [CONSUMER_HEADERS.originalOffset]: context.origin.offset,
    [CONSUMER_HEADERS.dedupeKey]: context.dedupeKey,
  };
}

const MAX_MESSAGE_CHARS = 1_000;
const MAX_STACK_FRAMES = 6;
const MAX_STACK_CHARS = 2_000;

/** The error's name, code, message and stack summary; read safely, whatever was thrown (describe-error.ts). */
function errorHeaders(error: unknown): Record<string, string> {
  const facts = thrownFacts(error);
  const headers: Record<string, string> = {
    [CONSUMER_HEADERS.errorName]: facts.name,
    [CONSUMER_HEADERS.errorMessage]: truncate(facts.message, MAX_MESSAGE_CHARS),
  };
  if (facts.code !== undefined) headers[CONSUMER_HEADERS.errorCode] = facts.code;
  const stack = summarizeStack(error);
  if (stack) headers[CONSUMER_HEADERS.errorStack] = stack;
  return headers;
}

/** The error's first line and its first few frames, trimmed: enough to find the throwing code. */
export function summarizeStack(error: unknown, maxFrames = MAX_STACK_FRAMES): string | undefined {
  const { name, message, stack } = thrownFacts(error);
  if (stack === undefined) return undefined;
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line)).slice(0, maxFrames).map((line) => line.trim());
  return truncate([`${name}: ${message.split('\n')[0]}`, ...frames].join('\n'), MAX_STACK_CHARS);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
