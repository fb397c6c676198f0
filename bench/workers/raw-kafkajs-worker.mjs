// The client's ceiling: the very records the relay publishes (read from the outbox and built with
// the relay's own toKafkaRecord, before the clock starts), sent with plain kafkajs in the same
// request shapes — at most BATCH_SIZE records and MAX_REQUEST_BYTES per produce request — by an
// idempotent producer with acks=-1 and one request in flight, each request awaited in turn.
import { toStoredMessage } from '@outboxkit/core/internal';
import { toKafkaRecord } from '@outboxkit/kafka-relay/internal';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';
import { nowMs } from '../lib/clock.mjs';
import { emit, env, runMain } from '../lib/worker-io.mjs';

const COLUMNS =
  `o.id::text AS id, o.seq::text AS seq, o.topic, o.key, o.payload::text AS payload_json, o.payload_bytes, o.type, ` +
  `o.headers::text AS headers_json, o.producer_group, o.created_at, o.attempts`;

function recordSize(record) {
  let size = Buffer.byteLength(record.key ?? '') + Buffer.byteLength(record.value ?? '');
  for (const [name, value] of Object.entries(record.headers ?? {})) size += Buffer.byteLength(name) + Buffer.byteLength(value);
  return size;
}

async function main() {
  const topic = env('TOPIC');
  const batchSize = Number(env('BATCH_SIZE'));
  const maxRequestBytes = Number(env('MAX_REQUEST_BYTES', '1000000'));
  const client = new pg.Client({ connectionString: env('DATABASE_URL') });
  await client.connect();
  const { rows } = await client.query(`SELECT ${COLUMNS} FROM outbox_message AS o ORDER BY o.seq`);
  await client.end();
  const records = rows.map((row) => toKafkaRecord(toStoredMessage(row)));

  // Requests as the relay would cut them: batches of batchSize, each split at maxRequestBytes.
  const requests = [];
  for (let i = 0; i < records.length; i += batchSize) {
    let current = [];
    let bytes = 0;
    for (const record of records.slice(i, i + batchSize)) {
      const size = recordSize(record);
      if (current.length > 0 && bytes + size > maxRequestBytes) {
        requests.push(current);
        current = [];
        bytes = 0;
      }
      current.push(record);
      bytes += size;
    }
    if (current.length > 0) requests.push(current);
  }

  const kafka = new Kafka({ clientId: 'bench-raw', brokers: env('KAFKA_BROKERS').split(','), logLevel: logLevel.WARN });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const t0 = nowMs();
  for (const messages of requests) {
    await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 });
  }
  const t1 = nowMs();
  await producer.disconnect();
  emit('result', { published: records.length, requests: requests.length, drainMs: t1 - t0 });
}

runMain(main);
