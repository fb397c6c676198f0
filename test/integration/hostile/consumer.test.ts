import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IHeaders } from 'kafkajs';
import {
  InvalidConfigError,
  OutboxError,
  silentLogger,
  type InboxHandlerContext,
} from '@outboxkit/core';
import { CONSUMER_HEADERS, HEADERS, rawHeaderValue } from '@outboxkit/core/internal';
import { createInboxConsumer, type InboxConsumer, type InboxConsumerOptions } from '@outboxkit/kafka-relay';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { createTopic, kafkaClient } from '@outboxkit/test-support/kafka';
import {
  produce,
  readRecords,
  useConsumerTestDatabase,
  waitFor,
  writeEffect,
  type RawRecord,
} from '../../../packages/kafka-relay/test/integration/consumer-harness.js';

/**
 * Hostile and mistaken input to the inbox consumer, against the real broker and PostgreSQL:
 *
 * - options `createInboxConsumer` refuses with a typed error (class and code) whose message says
 *   what was wrong and what to do — thrown at once, before anything connects, so no topic is
 *   created and no receipt written;
 * - records a producer can craft: ids missing, empty, huge, not UTF-8, with a NUL, looking like an
 *   encoded id, repeated; values that are not JSON; origin headers that lie. Each has its effect
 *   applied exactly once, or goes to the dead-letter topic once, and nothing is written twice —
 *   and the partition keeps moving. (docs/guarantees.md §4.6, §4.7, §4.9)
 */
const db = useConsumerTestDatabase('ok_hostile_consumer');

type ErrorClass = abstract new (...args: never[]) => OutboxError;

interface Refusal {
  options: Partial<InboxConsumerOptions> | (() => Partial<InboxConsumerOptions>);
  error: ErrorClass;
  code: string;
  /** The message names what was wrong ... */
  what: RegExp;
  /** ... and says what to do. */
  todo: RegExp;
}

const CONFIG = { error: InvalidConfigError, code: 'OUTBOX_INVALID_CONFIG' } as const;

const OPTION_REFUSALS: Array<[string, Refusal]> = [
  ['an empty group id', { ...CONFIG, options: { groupId: '' }, what: /groupId: is required/, todo: /use a stable name such as/ }],
  ['a group id that is not a string', { ...CONFIG, options: { groupId: 42 as never }, what: /groupId: is required.*got 42/, todo: /use a stable name/ }],
  ['a group id with a NUL', { ...CONFIG, options: { groupId: 'orders\u0000' }, what: /groupId: contains a character PostgreSQL cannot store/, todo: /use a stable name/ }],
  ['a group id with a lone surrogate', { ...CONFIG, options: { groupId: 'orders\uD800' }, what: /groupId: contains a character PostgreSQL cannot store/, todo: /letters, digits/ }],
  ['a group id with a newline (from an env file)', { ...CONFIG, options: { groupId: 'orders\n' }, what: /groupId: contains the control character U\+000A/, todo: /use a stable name/ }],
  ['a group id with a trailing space', { ...CONFIG, options: { groupId: 'orders ' }, what: /groupId: "orders " has leading or trailing whitespace/, todo: /remove it/ }],
  ['a group id of 300 characters', { ...CONFIG, options: { groupId: 'g'.repeat(300) }, what: /groupId: is 300 characters long/, todo: /at most 255/ }],
  [
    'a group id whose derived retry topic is internal',
    { ...CONFIG, options: { groupId: '__orders' }, what: /retry\.retryTopic: "__orders\.retry" \(derived from groupId.*starts with "__"/, todo: /set it to choose another name/ },
  ],
  ['a topic with a space', { ...CONFIG, options: { topics: ['orders created'] }, what: /handlers: "orders created" contains characters Kafka does not allow/, todo: /use only a-z/ }],
  ['the topic ".."', { ...CONFIG, options: { topics: ['..'] }, what: /"\.\." is not a topic name Kafka accepts/, todo: /name the topic/ }],
  ['an internal topic', { ...CONFIG, options: { topics: ['__consumer_offsets'] }, what: /"__consumer_offsets" starts with "__"/, todo: /a topic of your own/ }],
  ['a topic of 250 characters', { ...CONFIG, options: { topics: ['t'.repeat(250)] }, what: /is 250 characters long/, todo: /use a shorter name/ }],
  ['an invalid retry topic', { ...CONFIG, options: { retry: { retryTopic: 'retry me' } }, what: /retry\.retryTopic: "retry me" contains characters/, todo: /use only a-z/ }],
  [
    'the same retry and dead-letter topic',
    { ...CONFIG, options: { retry: { retryTopic: 'orders.retry', deadLetterTopic: 'orders.retry' } }, what: /retry\.deadLetterTopic: is "orders\.retry", the same topic as retry\.retryTopic/, todo: /give each its own topic/ },
  ],
  ['a negative concurrency', { ...CONFIG, options: { mode: 'message', concurrency: -1 }, what: /concurrency: must be a positive integer, got -1/, todo: /positive integer/ }],
  ['a batch size of 0', { ...CONFIG, options: { batchSize: 0 }, what: /batchSize: must be a positive integer, got 0/, todo: /positive integer/ }],
  ['an unknown mode', { ...CONFIG, options: { mode: 'fast' as never }, what: /mode: must be "batch" or "message", got "fast"/, todo: /"batch" or "message"/ }],
  ['delay levels that are not durations', { ...CONFIG, options: { retry: { delayLevels: '1s soon' } }, what: /retry\.delayLevels: "soon" is not a duration/, todo: /use e\.g\. 500ms, 1s/ }],
  ['no delay levels', { ...CONFIG, options: { retry: { delayLevels: [] } }, what: /retry\.delayLevels: needs at least one delay level/, todo: /e\.g\. "1s 5s 10s 30s"/ }],
  ['a negative delay level', { ...CONFIG, options: { retry: { delayLevels: [1000, -5] } }, what: /every level must be a non-negative number of ms, got -5/, todo: /non-negative number/ }],
  ['delay levels given as a number', { ...CONFIG, options: { retry: { delayLevels: 1000 as never } }, what: /retry\.delayLevels: must be a string .* or an array of milliseconds, got 1000/, todo: /"1s 5s 10s"/ }],
  ['maxReconsumeTimes NaN', { ...CONFIG, options: { retry: { maxReconsumeTimes: Number.NaN } }, what: /retry\.maxReconsumeTimes: must be a non-negative integer, got NaN/, todo: /non-negative integer/ }],
  ['a first delay level past the last level', { ...CONFIG, options: { retry: { delayLevels: '1s 5s', firstDelayLevel: 3 } }, what: /retry\.firstDelayLevel: must be an integer from 1 to 2.*got 3/, todo: /from 1 to 2/ }],
  ['an isRetryable that is not a function', { ...CONFIG, options: { retry: { isRetryable: true as never } }, what: /retry\.isRetryable: must be a function/, todo: /leave it out/ }],
  ['a messageId that is not a function', { ...CONFIG, options: { messageId: 'orderId' as never }, what: /messageId: must be an extractor .* got orderId \(string\)/, todo: /leave it out for the default/ }],
  ['a decoder that is not a function', { ...CONFIG, options: { decode: 'json' as never }, what: /decode: must be a decoder/, todo: /leave it out for the default/ }],
  ['a negative commit interval', { ...CONFIG, options: { commitIntervalMs: -1 }, what: /commitIntervalMs: must be a number of milliseconds from 0 to 2147483647, got -1/, todo: /from 0 to/ }],
  ['a retention interval of 0 (pruning in a hot loop)', { ...CONFIG, options: { retention: { intervalMs: 0 } }, what: /retention\.intervalMs: must be a positive integer, got 0/, todo: /positive integer/ }],
  ['a retention interval longer than a timer holds', { ...CONFIG, options: { retention: { intervalMs: 30 * 86_400_000 } }, what: /retention\.intervalMs: must be at most 2147483647 ms/, todo: /a longer timer fires at once/ }],
  ['negative restart retries', { ...CONFIG, options: { restart: { retries: -1 } }, what: /restart\.retries: must be a non-negative integer, got -1/, todo: /non-negative integer/ }],
  ['a restart delay of NaN', { ...CONFIG, options: { restart: { initialDelayMs: Number.NaN } }, what: /restart\.initialDelayMs: must be a non-negative integer, got NaN/, todo: /integer/ }],
  ['a handler on the group\'s own retry topic', { ...CONFIG, options: () => ({ topics: ['hostile.retry'], groupId: 'hostile' }), what: /topic "hostile\.retry" is the group's own retry or dead-letter topic/, todo: /retry or dead-letter topic/ }],
  ['no brokers and no kafka client', { ...CONFIG, options: { brokers: [] }, what: /brokers: is required/, todo: /pass a kafkajs client as `kafka`/ }],
];

async function topicExists(topic: string): Promise<boolean> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

describe('consumer options refused by createInboxConsumer', () => {
  it.each(OPTION_REFUSALS)('%s', async (_name, refusal) => {
    const groupId = uniqueName('hostile_opts');
    const overrides = typeof refusal.options === 'function' ? refusal.options() : refusal.options;
    const options: InboxConsumerOptions = {
      outbox: db.outbox,
      brokers: kafkaBrokers(),
      groupId,
      topics: ['orders'],
      handler: async () => undefined,
      logger: silentLogger,
      ...overrides,
    };
    let thrown: unknown;
    try {
      // Synchronous: nothing was connected, created or written before the refusal.
      createInboxConsumer(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(refusal.error);
    expect(thrown).toMatchObject({ code: refusal.code });
    expect((thrown as Error).message).toMatch(refusal.what);
    expect((thrown as Error).message).toMatch(refusal.todo);
    expect(await topicExists(`${groupId}.retry`)).toBe(false);
    expect(await topicExists(`${groupId}.DLQ`)).toBe(false);
    expect(await db.prisma.inboxMessage.count({ where: { consumerGroup: groupId } })).toBe(0);
  });
});

interface RecordCase {
  /** The records of the case (each gets an `x-case` header naming the case). */
  records: () => RawRecord[];
  /** The dedupe keys of the effects, in order (a RegExp where the key is computed). */
  effects: Array<string | RegExp>;
  /** Dead letters, by reason. */
  deadLetters?: string[];
}

const id = (value: Buffer | string | Array<Buffer | string>): IHeaders => ({ [HEADERS.messageId]: value });
const json = (n: number) => JSON.stringify({ n });
const HUGE_ID = `order-${'x'.repeat(64 * 1024)}`;
const fixedUuid = randomUUID();

const RECORD_CASES: Array<[string, RecordCase]> = [
  ['no id header: the original topic/partition/offset stands in', { records: () => [{ value: json(1) }], effects: [/^ok\.hostile\.records_[0-9a-f]+\/0\/\d+$/] }],
  ['an empty id header counts as none', { records: () => [{ value: json(1), headers: id(Buffer.alloc(0)) }], effects: [/^ok\.hostile\.records_[0-9a-f]+\/0\/\d+$/] }],
  [
    'a 64 KiB id, delivered twice: one effect, keyed by its SHA-256',
    { records: () => [{ value: json(1), headers: id(HUGE_ID) }, { value: json(2), headers: id(HUGE_ID) }], effects: [/^\\sha256:[0-9a-f]{64}$/] },
  ],
  [
    'two ids of invalid UTF-8 (80, 81): two effects',
    { records: () => [{ value: json(1), headers: id(Buffer.from([0x80])) }, { value: json(2), headers: id(Buffer.from([0x81])) }], effects: ['\\x80', '\\x81'] },
  ],
  [
    'the same invalid UTF-8 id twice: one effect',
    { records: () => [{ value: json(1), headers: id(Buffer.from([0xc0, 0xaf])) }, { value: json(2), headers: id(Buffer.from([0xc0, 0xaf])) }], effects: ['\\xc0af'] },
  ],
  ['an id with a NUL byte', { records: () => [{ value: json(1), headers: id(Buffer.from('order\u00007')) }], effects: ['\\x6f726465720037'] }],
  [
    'a text id that looks encoded (\\xc3) and the byte c3: two effects, two keys',
    { records: () => [{ value: json(1), headers: id('\\xc3') }, { value: json(2), headers: id(Buffer.from([0xc3])) }], effects: ['\\x5c786333', '\\xc3'] },
  ],
  ['a UTF-8 id with a BOM and an emoji stays as it is', { records: () => [{ value: json(1), headers: id('\uFEFF🦀-order') }], effects: ['\uFEFF🦀-order'] }],
  [
    'a repeated id header: the first value is the id',
    { records: () => [{ value: json(1), headers: id([`${fixedUuid}-a`, `${fixedUuid}-b`]) }, { value: json(2), headers: id(`${fixedUuid}-a`) }], effects: [`${fixedUuid}-a`] },
  ],
  [
    'ids from an extractor (a UTF-16 producer) with lone surrogates and a NUL',
    {
      records: () => [
        { value: json(1), headers: { 'x-utf16-id': Buffer.from([0x00, 0xd8]) } },
        { value: json(2), headers: { 'x-utf16-id': Buffer.from([0x01, 0xd8]) } },
        { value: json(3), headers: { 'x-utf16-id': Buffer.from([0x00, 0x00]) } },
      ],
      effects: ['\\xeda080', '\\xeda081', '\\x00'],
    },
  ],
  ['a value that is not JSON: one dead letter, no effect', { records: () => [{ value: '{"n": 1, oops', headers: id(randomUUID()) }], effects: [], deadLetters: ['undecodable'] }],
  ['an extractor returning a number: one dead letter', { records: () => [{ value: json(1), headers: { 'x-numeric-id': '42' } }], effects: [], deadLetters: ['undecodable'] }],
  [
    'a forged origin header naming a topic the group does not handle: one dead letter',
    {
      records: () => [
        { value: json(1), headers: { ...id(randomUUID()), [CONSUMER_HEADERS.originalTopic]: 'payments', [CONSUMER_HEADERS.originalPartition]: '0', [CONSUMER_HEADERS.originalOffset]: '7' } },
      ],
      effects: [],
      deadLetters: ['no-handler'],
    },
  ],
  ['a tombstone (null value) is handed over as null, once', { records: () => [{ value: null, headers: id(randomUUID()) }], effects: [/^[0-9a-f-]{36}$/] }],
];

describe('hostile records', () => {
  let topic: string;
  let consumer: InboxConsumer;

  beforeAll(async () => {
    topic = uniqueName('ok.hostile.records');
    await createTopic(topic, 1);
    consumer = createInboxConsumer({
      outbox: db.outbox,
      brokers: kafkaBrokers(),
      groupId: uniqueName('hostile_records'),
      topics: [topic],
      fromBeginning: true,
      retention: false,
      logger: silentLogger,
      consumer: { maxWaitTimeInMs: 100, sessionTimeout: 6_000, heartbeatInterval: 500 },
      // Records of a producer that writes its ids as UTF-16, or as numbers (which an extractor must not return).
      messageId: (record) => {
        const utf16 = rawHeaderValue(record, 'x-utf16-id');
        if (utf16 !== undefined) return Buffer.from(utf16).toString('utf16le');
        const numeric = rawHeaderValue(record, 'x-numeric-id');
        return numeric === undefined ? undefined : (Number(numeric.toString()) as never);
      },
      handler: (ctx: InboxHandlerContext) => writeEffect(ctx.headers['x-case']!, ctx),
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
  });

  it.each(RECORD_CASES)('%s', async (name, testCase) => {
    const sentinel = randomUUID();
    const records = testCase.records().map((record) => ({ ...record, headers: { ...record.headers, 'x-case': name } }));
    await produce(topic, [...records, { value: json(0), headers: { ...id(sentinel), 'x-case': 'sentinel' } }]);
    // One partition, processed in order: once the sentinel is applied, every record of the case is done.
    await waitFor(async () => (await db.effects('sentinel')).some((e) => e.message_id === sentinel), `the records of "${name}"`);

    const effects = await db.effects(name);
    expect(effects).toHaveLength(testCase.effects.length);
    testCase.effects.forEach((expected, index) => {
      if (typeof expected === 'string') expect(effects[index]!.message_id).toBe(expected);
      else expect(effects[index]!.message_id).toMatch(expected);
    });
    // One receipt per effect: nothing was recorded twice, and dead letters left none.
    const receipts = await db.prisma.inboxMessage.findMany({ where: { consumerGroup: consumer.settings.groupId, messageId: { in: effects.map((e) => e.message_id) } } });
    expect(receipts).toHaveLength(effects.length);
    const deadLetters = (await readRecords(consumer.settings.deadLetterTopic)).filter((r) => r.headers['x-case'] === name);
    expect(deadLetters.map((r) => r.headers[CONSUMER_HEADERS.deadLetterReason])).toEqual(testCase.deadLetters ?? []);
  });
});
