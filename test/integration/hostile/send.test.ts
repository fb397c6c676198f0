import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidConfigError,
  InvalidMessageError,
  MessageSerializationError,
  MessageTooLargeError,
  OutboxError,
  send,
  silentLogger,
  type OutboxMessageInput,
} from '@outboxkit/core';
import { MAX_JSON_DEPTH } from '@outboxkit/core/internal';
import { createPrismaOutbox } from '@outboxkit/prisma-adapter';
import { closeOutboxTestDatabase, openOutboxTestDatabase, type OutboxTestDatabase } from '@outboxkit/test-support/outbox-database';

/**
 * Hostile and mistaken messages given to `send()`, through the real Prisma outbox on PostgreSQL:
 * topics Kafka never accepts, keys and headers too long or of the wrong type, values JSON cannot
 * carry, and NUL characters and lone surrogates anywhere PostgreSQL would refuse them at commit.
 * Each is refused by send() itself with a typed error (class and code) whose message says what
 * was wrong and what to do; the error propagates, the business write of the same transaction is
 * rolled back, and no outbox row exists afterwards. (docs/guarantees.md §4.7)
 */
let db: OutboxTestDatabase;

beforeAll(async () => {
  db = await openOutboxTestDatabase('ok_hostile_send');
});

afterAll(async () => {
  await closeOutboxTestDatabase(db ?? {});
});

type ErrorClass = abstract new (...args: never[]) => OutboxError;

interface Refusal {
  /** What send() is given (a function for values that cannot be written as literals). */
  message: unknown;
  error: ErrorClass;
  code: string;
  /** InvalidMessageError's `field`. */
  field?: string;
  /** The message names what was wrong ... */
  what: RegExp;
  /** ... and says what to do. */
  todo: RegExp;
}

const cyclic: Record<string, unknown> = { name: 'loop' };
cyclic.self = cyclic;
const deep = JSON.parse('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)) as unknown;

const ok = { topic: 'orders', key: 'order-1', value: { n: 1 } };
const nul = 'a\u0000b';
const loneHigh = 'a\uD800b';
const loneLow = 'a\uDC00b';

const TOPIC = { error: InvalidMessageError, code: 'OUTBOX_INVALID_MESSAGE', field: 'topic' } as const;
const KEY = { error: InvalidMessageError, code: 'OUTBOX_INVALID_MESSAGE', field: 'key' } as const;
const TYPE = { error: InvalidMessageError, code: 'OUTBOX_INVALID_MESSAGE', field: 'type' } as const;
const HEADERS = { error: InvalidMessageError, code: 'OUTBOX_INVALID_MESSAGE', field: 'headers' } as const;
const VALUE = { error: InvalidMessageError, code: 'OUTBOX_INVALID_MESSAGE', field: 'value' } as const;
const SERIALIZE = { error: MessageSerializationError, code: 'OUTBOX_SERIALIZATION' } as const;
const MESSAGE = { error: InvalidMessageError, code: 'OUTBOX_INVALID_MESSAGE', field: 'message' } as const;

const STORE_NUL = /NUL character \(\\u0000\).*PostgreSQL/;
const STORE_SURROGATE = /lone surrogate.*PostgreSQL/;
const REMOVE = /remove it/;

const refusals: Array<[string, Refusal]> = [
  // Topics Kafka never accepts.
  ['topic "."', { ...TOPIC, message: { ...ok, topic: '.' }, what: /"\." is not a topic name Kafka accepts/, todo: /name the topic/ }],
  ['topic ".."', { ...TOPIC, message: { ...ok, topic: '..' }, what: /"\.\." is not a topic name Kafka accepts/, todo: /name the topic/ }],
  ['topic __consumer_offsets', { ...TOPIC, message: { ...ok, topic: '__consumer_offsets' }, what: /reserved for Kafka's internal topics/, todo: /topic of your own/ }],
  ['topic __transaction_state', { ...TOPIC, message: { ...ok, topic: '__transaction_state' }, what: /starts with "__"/, todo: /topic of your own/ }],
  ['a topic with the internal prefix', { ...TOPIC, message: { ...ok, topic: '__orders' }, what: /starts with "__"/, todo: /topic of your own/ }],
  ['a topic with a space', { ...TOPIC, message: { ...ok, topic: 'orders created' }, what: /characters Kafka does not allow/, todo: /use only a-z/ }],
  ['a topic with a NUL', { ...TOPIC, message: { ...ok, topic: `orders${nul}` }, what: /characters Kafka does not allow/, todo: /use only a-z/ }],
  ['a 250-character topic', { ...TOPIC, message: { ...ok, topic: 't'.repeat(250) }, what: /250 characters long.*at most 249/, todo: /shorter name/ }],
  ['no topic', { ...TOPIC, message: { value: 1 }, what: /topic is missing/, todo: /needs the Kafka topic/ }],
  ['a number as topic', { ...TOPIC, message: { ...ok, topic: 42 }, what: /topic must be a string.*got number/, todo: /the Kafka topic's name/ }],
  // Keys.
  ['a NUL in the key', { ...KEY, message: { ...ok, key: nul }, what: STORE_NUL, todo: REMOVE }],
  ['a lone high surrogate in the key', { ...KEY, message: { ...ok, key: loneHigh }, what: STORE_SURROGATE, todo: REMOVE }],
  ['a lone low surrogate in the key', { ...KEY, message: { ...ok, key: loneLow }, what: STORE_SURROGATE, todo: REMOVE }],
  ['a key of 1,026 UTF-8 bytes (513 characters)', { ...KEY, message: { ...ok, key: 'é'.repeat(513) }, what: /key is 1026 bytes.*limit of 1024 \(maxKeyBytes\)/, todo: /shorter key.*or raise maxKeyBytes/ }],
  ['an 8,000-character key', { ...KEY, message: { ...ok, key: 'k'.repeat(8_000) }, what: /key is 8000 bytes/, todo: /raise maxKeyBytes/ }],
  ['a number as key', { ...KEY, message: { ...ok, key: 42 }, what: /key must be a string or null, got number/, todo: /string or null/ }],
  ['an object as key', { ...KEY, message: { ...ok, key: { id: 1 } }, what: /key must be a string or null, got object/, todo: /string or null/ }],
  // Types.
  ['a NUL in the type', { ...TYPE, message: { ...ok, type: `Order${nul}` }, what: STORE_NUL, todo: REMOVE }],
  ['a lone surrogate in the type', { ...TYPE, message: { ...ok, type: loneHigh }, what: STORE_SURROGATE, todo: REMOVE }],
  ['a number as type', { ...TYPE, message: { ...ok, type: 7 }, what: /type must be a string, got number/, todo: /must be a string/ }],
  ['an empty type', { ...TYPE, message: { ...ok, type: '' }, what: /type is empty/, todo: /give the message type a name.*or leave it out/ }],
  // Headers.
  ['a NUL in a header value', { ...HEADERS, message: { ...ok, headers: { tenant: nul } }, what: /headers entry "tenant" has a value that contains a NUL character.*PostgreSQL/, todo: REMOVE }],
  ['a lone surrogate in a header value', { ...HEADERS, message: { ...ok, headers: { tenant: loneLow } }, what: /headers entry "tenant" has a value that contains a lone surrogate/, todo: REMOVE }],
  ['a NUL in a header name', { ...HEADERS, message: { ...ok, headers: { [`x${nul}`]: 'v' } }, what: /headers entry "xa\\u0000b" has a name that contains a NUL/, todo: REMOVE }],
  ['a lone surrogate in a header name', { ...HEADERS, message: { ...ok, headers: { [loneHigh]: 'v' } }, what: /headers entry .* has a name that contains a lone surrogate/, todo: REMOVE }],
  ['a header with the reserved prefix', { ...HEADERS, message: { ...ok, headers: { 'outboxkit-message-id': 'forged' } }, what: /reserved for outboxkit's own headers/, todo: /rename it/ }],
  ['the reserved prefix in another case', { ...HEADERS, message: { ...ok, headers: { 'OutboxKit-Type': 'x' } }, what: /uses the prefix "outboxkit-"/, todo: /rename it/ }],
  ['a number as header value', { ...HEADERS, message: { ...ok, headers: { retries: 3 } }, what: /"retries" must be a string, got number/, todo: /convert the value to a string/ }],
  ['undefined as header value', { ...HEADERS, message: { ...ok, headers: { retries: undefined } }, what: /must be a string, got undefined/, todo: /convert the value/ }],
  ['headers as an array', { ...HEADERS, message: { ...ok, headers: [['a', 'b']] }, what: /must be a plain object.*got an array/, todo: /\{ name: "value" \}/ }],
  ['headers as a Map', { ...HEADERS, message: { ...ok, headers: new Map([['a', 'b']]) }, what: /got a Map/, todo: /\{ name: "value" \}/ }],
  ['headers as a string', { ...HEADERS, message: { ...ok, headers: 'a=b' }, what: /got string/, todo: /\{ name: "value" \}/ }],
  ['a header with an empty name', { ...HEADERS, message: { ...ok, headers: { '': 'v' } }, what: /empty name/, todo: /give every header a name/ }],
  ['a 17,000-byte header', { ...HEADERS, message: { ...ok, headers: { blob: 'x'.repeat(17_000) } }, what: /take 17004 bytes.*limit of 16384 \(maxHeaderBytes\)/, todo: /move what is large into the value, or raise maxHeaderBytes/ }],
  ['headers and type over the limit together', { ...HEADERS, message: { ...ok, type: 'T'.repeat(10_000), headers: { h: 'x'.repeat(7_000) } }, what: /take 17001 bytes \(names and values, with the type/, todo: /raise maxHeaderBytes/ }],
  // Values JSON cannot carry, or carries into something else.
  ['a BigInt', { ...SERIALIZE, message: { ...ok, value: { total: 10n } }, what: /BigInt/, todo: /convert BigInt to string/ }],
  ['a cycle', { ...SERIALIZE, message: { ...ok, value: cyclic }, what: /circular/i, todo: /remove cycles/ }],
  ['undefined as value', { ...SERIALIZE, message: { ...ok, value: undefined }, what: /type undefined has no JSON form/, todo: /JSON-compatible data/ }],
  ['a function as value', { ...SERIALIZE, message: { ...ok, value: () => 1 }, what: /type function has no JSON form/, todo: /JSON-compatible data/ }],
  ['a symbol as value', { ...SERIALIZE, message: { ...ok, value: Symbol('s') }, what: /type symbol has no JSON form/, todo: /JSON-compatible data/ }],
  ['a toJSON that throws', { ...SERIALIZE, message: { ...ok, value: { toJSON: () => { throw new Error('not today'); } } }, what: /not today/, todo: /JSON-compatible data/ }],
  ['a Map as value', { ...VALUE, message: { ...ok, value: new Map([['a', 1]]) }, what: /is a Map, which JSON turns into \{\}/, todo: /Object\.fromEntries/ }],
  ['a Set as value', { ...VALUE, message: { ...ok, value: new Set([1]) }, what: /is a Set/, todo: /\[\.\.\.set\]/ }],
  ['an ArrayBuffer as value', { ...VALUE, message: { ...ok, value: new ArrayBuffer(4) }, what: /is a ArrayBuffer/, todo: /as a Uint8Array/ }],
  ['an Int16Array as value', { ...VALUE, message: { ...ok, value: new Int16Array([1, 2]) }, what: /is a Int16Array/, todo: /as a Uint8Array/ }],
  ['a value nested too deep', { ...VALUE, message: { ...ok, value: deep }, what: /nested 501 levels deep, above the limit of 500/, todo: /flatten it/ }],
  ['a NUL in a JSON string', { ...VALUE, message: { ...ok, value: { lines: ['ok', nul] } }, what: /the string at value\.lines\[1\] that contains a NUL character.*JSONB/, todo: /remove it, or send raw bytes/ }],
  ['a NUL in a JSON object key', { ...VALUE, message: { ...ok, value: { a: { [`k${nul}`]: 1 } } }, what: /an object key at value\.a\["ka\\u0000b"\] that contains a NUL/, todo: /remove it/ }],
  ['a lone surrogate in a JSON string', { ...VALUE, message: { ...ok, value: { name: loneHigh } }, what: /the string at value\.name that contains a lone surrogate/, todo: /remove it/ }],
  ['a lone surrogate in a JSON object key', { ...VALUE, message: { ...ok, value: { [loneLow]: true } }, what: /an object key at .* contains a lone surrogate/, todo: /remove it/ }],
  ['a lone surrogate as the whole value', { ...VALUE, message: { ...ok, value: '\uDBFF' }, what: /the string at value that contains a lone surrogate/, todo: /remove it/ }],
  ['a value above maxMessageBytes', { error: MessageTooLargeError, code: 'OUTBOX_MESSAGE_TOO_LARGE', message: { ...ok, value: 'x'.repeat(1_100_000) }, what: /above the limit of 1000000 bytes \(maxMessageBytes\)/, todo: /smaller payload, or raise maxMessageBytes/ }],
  // Not a message at all.
  ['null as message', { ...MESSAGE, message: null, what: /must be an object.*got null/, todo: /\{ topic, key\?, value/ }],
  ['a string as message', { ...MESSAGE, message: 'orders', what: /got string/, todo: /\{ topic, key\?, value/ }],
  ['a number as message', { ...MESSAGE, message: 42, what: /got number/, todo: /\{ topic, key\?, value/ }],
  ['an array as message', { ...MESSAGE, message: [ok], what: /got an array/, todo: /\{ topic, key\?, value/ }],
];

async function counts() {
  return { messages: await db.prisma.outboxMessage.count(), orders: await db.prisma.order.count() };
}

describe('send() refuses what Kafka or PostgreSQL would refuse later, and nothing is written', () => {
  it.each(refusals)('%s', async (_label, refusal) => {
    const before = await counts();
    let thrown: unknown;
    try {
      await db.outbox.transaction(async () => {
        await db.outbox.client.order.create({ data: { id: randomUUID(), customer: 'hostile', sku: 'send', quantity: 1 } });
        send({ topic: 'orders', key: 'good', value: { sent: 'before the bad one' } });
        send(refusal.message as OutboxMessageInput);
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(refusal.error);
    const error = thrown as OutboxError;
    expect(error.code).toBe(refusal.code);
    if (refusal.field !== undefined) expect((error as InvalidMessageError).field).toBe(refusal.field);
    expect(error.message).toMatch(refusal.what);
    expect(error.message).toMatch(refusal.todo);
    // The business write and the good message went with the transaction.
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['maxKeyBytes 0', { maxKeyBytes: 0 }, /maxKeyBytes: must be a positive integer \(bytes\), got 0/],
    ['maxKeyBytes as a string', { maxKeyBytes: '1024' as unknown as number }, /maxKeyBytes: must be a positive integer/],
    ['maxHeaderBytes 1.5', { maxHeaderBytes: 1.5 }, /maxHeaderBytes: must be a positive integer \(bytes\), got 1\.5/],
    ['maxMessageBytes negative', { maxMessageBytes: -1 }, /maxMessageBytes: must be a positive integer/],
  ])('an Outbox with %s is refused when created', (_label, options, what) => {
    let thrown: unknown;
    try {
      createPrismaOutbox(db.prisma, { logger: silentLogger, registerAsDefault: false, ...options });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidConfigError);
    expect((thrown as InvalidConfigError).code).toBe('OUTBOX_INVALID_CONFIG');
    expect((thrown as Error).message).toMatch(what);
  });
});

describe('what send() accepts, PostgreSQL stores and gives back unchanged', () => {
  const atTheLimits: Array<[string, OutboxMessageInput]> = [
    ['a key of exactly 1,024 UTF-8 bytes', { topic: 'orders', key: 'é'.repeat(512), value: 1 }],
    ['an emoji (a surrogate pair) in key, type, headers and value', { topic: 'orders', key: 'k😀', type: 'T😀', headers: { '😀': '😀' }, value: { '😀': '😀' } }],
    ['the text "\\u0000" and "\\ud800" (backslash, not the characters)', { topic: 'orders', key: '\\u0000', value: { text: '\\u0000 and \\ud800', '\\u0000': 1 } }],
    ['control characters other than NUL', { topic: 'orders', key: 'a\u0001b', headers: { h: '\u001f' }, value: 'tab\there\u0007' }],
    [`a value nested ${MAX_JSON_DEPTH} levels`, { topic: 'orders', value: JSON.parse('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)) as unknown }],
    ['headers of exactly 16,384 bytes with the type', { topic: 'orders', type: 'T', headers: { h: 'x'.repeat(16_382) }, value: 1 }],
    ['a 249-character topic with every allowed character', { topic: `a.b_c-D9${'z'.repeat(241)}`, value: 1 }],
  ];

  it.each(atTheLimits)('%s', async (_label, message) => {
    const id = await db.outbox.transaction(async () => send(message));
    const row = await db.prisma.outboxMessage.findUniqueOrThrow({ where: { id } });
    expect(row.topic).toBe(message.topic);
    expect(row.key).toBe(message.key ?? null);
    expect(row.type).toBe(message.type ?? null);
    expect(row.headers).toEqual(message.headers ?? {});
    expect(row.payload).toEqual(message.value);
  });

  it('all of them in one transaction (the several-messages insert carries them in one JSON document)', async () => {
    const ids = await db.outbox.transaction(async () => atTheLimits.map(([, message]) => send(message)));
    const rows = await db.prisma.outboxMessage.findMany({ where: { id: { in: ids } } });
    for (const [index, [, message]] of atTheLimits.entries()) {
      const row = rows.find((r) => r.id === ids[index])!;
      expect({ key: row.key, type: row.type, headers: row.headers, payload: row.payload }).toEqual({
        key: message.key ?? null,
        type: message.type ?? null,
        headers: message.headers ?? {},
        payload: message.value,
      });
    }
  });
});
