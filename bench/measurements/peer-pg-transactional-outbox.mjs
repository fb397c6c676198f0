// 5. The peer: the same messages drained by pg-transactional-outbox's polling listener, publishing
// with kafkajs in its message handler (see workers/peer-worker.mjs). Its run is capped at
// peer.capMs; a capped run reports the rate of what it drained by then.
import { runWorker } from '../lib/proc.mjs';
import { topicRecordCount } from '../lib/kafka-admin.mjs';
import { PEER_FUNCTION, PEER_SCHEMA, PEER_TABLE } from '../lib/seed.mjs';

export async function peerOnce(ctx, { topic }) {
  const { drain, peer } = ctx.config;
  const result = await runWorker(
    'peer',
    'workers/peer-worker.mjs',
    {
      DATABASE_URL: ctx.databaseUrl,
      KAFKA_BROKERS: ctx.brokers,
      TOPIC: topic,
      EXPECT: String(drain.messages),
      CAP_MS: String(peer.capMs),
      SCHEMA: PEER_SCHEMA,
      TABLE: PEER_TABLE,
      FUNCTION: PEER_FUNCTION,
      PEER_BATCH_SIZE: String(peer.batchSize),
      POLL_MS: String(peer.pollingIntervalMs),
      POOL_SIZE: String(peer.poolSize),
    },
    peer.capMs + 60_000,
  );
  const onKafka = await topicRecordCount(ctx.brokers, topic);
  if (!result.capped && onKafka < drain.messages) throw new Error(`peer: ${onKafka} records on ${topic}, expected ${drain.messages}`);
  return {
    msgsPerSec: result.published / (result.drainMs / 1000),
    drainMs: result.drainMs,
    drained: result.published,
    capped: result.capped,
    onKafka,
    requests: result.requests,
  };
}
