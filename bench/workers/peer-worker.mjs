// The peer: pg-transactional-outbox's polling listener draining its own outbox table, its
// message handler publishing to Kafka with kafkajs.
//
// The listener calls the handler once per message (one database transaction per message: lock the
// row, run the handler, mark it processed), several messages at a time. So that kafkajs still gets
// large requests, the handler does not call producer.send itself: it hands its record to a small
// coalescing publisher that sends everything handed to it in the same tick as ONE sendBatch
// (idempotent producer, acks=-1, one request in flight) and resolves each handler when the broker
// acknowledged. That is the peer's best case; a naive per-message producer.send is slower still.
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';
import ptoPkg from 'pg-transactional-outbox';
import { nowMs } from '../lib/clock.mjs';
import { emit, env, runMain } from '../lib/worker-io.mjs';

const { initializePollingMessageListener } = ptoPkg;

/** pino-shaped logger: warnings and errors to stderr, the rest dropped. */
const logger = {
  level: 'warn',
  fatal: (...args) => process.stderr.write(`peer fatal: ${describe(args)}\n`),
  error: (...args) => process.stderr.write(`peer error: ${describe(args)}\n`),
  warn: (...args) => process.stderr.write(`peer warn: ${describe(args)}\n`),
  info: () => {},
  debug: () => {},
  trace: () => {},
  silent: () => {},
};
function describe(args) {
  return args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : '')).filter(Boolean).join(' ');
}

class CoalescingPublisher {
  constructor(producer, topic) {
    this.producer = producer;
    this.topic = topic;
    this.pending = [];
    this.sending = null;
    this.requests = 0;
  }

  publish(record) {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (!this.sending) this.sending = new Promise((r) => setImmediate(r)).then(() => this.flush());
    });
  }

  async flush() {
    while (this.pending.length > 0) {
      const items = this.pending;
      this.pending = [];
      try {
        await this.producer.sendBatch({ topicMessages: [{ topic: this.topic, messages: items.map((i) => i.record) }], acks: -1 });
        this.requests += 1;
        for (const item of items) item.resolve();
      } catch (error) {
        for (const item of items) item.reject(error);
      }
    }
    this.sending = null;
  }
}

async function main() {
  const databaseUrl = env('DATABASE_URL');
  const topic = env('TOPIC');
  const expected = Number(env('EXPECT'));
  const capMs = Number(env('CAP_MS'));
  const kafka = new Kafka({ clientId: 'bench-peer', brokers: env('KAFKA_BROKERS').split(','), logLevel: logLevel.WARN });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const publisher = new CoalescingPublisher(producer, topic);

  let acked = 0;
  let allAcked;
  const allAckedAt = new Promise((resolve) => (allAcked = resolve));
  const handler = {
    handle: async (message) => {
      await publisher.publish({
        key: message.aggregateId,
        value: JSON.stringify(message.payload),
        headers: { 'outboxkit-message-id': message.id, 'outboxkit-message-type': message.messageType, 'outboxkit-created-at': message.createdAt },
      });
      acked += 1;
      if (acked >= expected) allAcked(nowMs());
    },
  };
  const dbConfig = { connectionString: databaseUrl, max: Number(env('POOL_SIZE')) };
  const t0 = nowMs();
  const [shutdown] = initializePollingMessageListener(
    {
      outboxOrInbox: 'outbox',
      dbListenerConfig: dbConfig,
      dbHandlerConfig: dbConfig,
      settings: {
        dbSchema: env('SCHEMA'),
        dbTable: env('TABLE'),
        nextMessagesFunctionSchema: env('SCHEMA'),
        nextMessagesFunctionName: env('FUNCTION'),
        nextMessagesBatchSize: Number(env('PEER_BATCH_SIZE')),
        nextMessagesPollingIntervalInMs: Number(env('POLL_MS')),
        // The README's outbox settings: no attempt limits on the outbox side; no cleanup during the run.
        enableMaxAttemptsProtection: false,
        enablePoisonousMessageProtection: false,
        messageCleanupIntervalInMs: 0,
      },
    },
    handler,
    logger,
  );

  const capped = await Promise.race([allAckedAt.then(() => false), delay(capMs).then(() => true)]);
  // Count rows marked processed (the peer's acknowledgement, like the relay's commit) and wait
  // until they catch up with the Kafka acks, so both are timed to the database acknowledgement.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const target = capped ? acked : expected;
  let processed = 0;
  let t1 = nowMs();
  for (let i = 0; i < 500; i += 1) {
    processed = Number((await client.query(`SELECT count(*) FROM ${env('SCHEMA')}.${env('TABLE')} WHERE processed_at IS NOT NULL`)).rows[0].count);
    t1 = nowMs();
    if (processed >= target) break;
    await delay(20);
  }
  await client.end();
  const ackedAtEnd = acked;
  await shutdown();
  await producer.disconnect();
  emit('result', {
    published: capped ? processed : expected,
    acked: ackedAtEnd,
    processed,
    capped,
    drainMs: t1 - t0,
    requests: publisher.requests,
  });
  process.exit(0);
}

runMain(main);
