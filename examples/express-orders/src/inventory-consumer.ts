import { Kafka, logLevel } from 'kafkajs';
import { createDatabase } from './database.js';

/**
 * Decrements stock for every orders.created message, once per message id: the inbox receipt and
 * the stock update share one transaction, so a redelivered record changes nothing.
 */
const databaseUrl = process.env.DATABASE_URL;
const brokers = process.env.KAFKA_BROKERS?.split(',');
if (!databaseUrl || !brokers) throw new Error('DATABASE_URL and KAFKA_BROKERS must be set');
const groupId = process.env.CONSUMER_GROUP ?? 'inventory';
const topic = process.env.ORDERS_TOPIC ?? 'orders.created';

const database = createDatabase(databaseUrl);
const inbox = database.outbox.inbox({ consumerGroup: groupId });
const kafka = new Kafka({ clientId: 'inventory', brokers, logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId });

await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  eachMessage: async (payload) => {
    await inbox.handle(payload, async ({ tx }) => {
      const order = JSON.parse(payload.message.value?.toString() ?? '{}') as { sku: string; quantity: number };
      await tx.stockItem.update({ where: { sku: order.sku }, data: { available: { decrement: order.quantity } } });
    });
  },
});
console.log(JSON.stringify({ event: 'consuming', groupId, topic }));

// Progress for whoever watches (the demo waits on these lines).
let reported = '';
const progress = setInterval(() => {
  const line = JSON.stringify({ event: 'stats', ...inbox.stats });
  if (line !== reported) console.log((reported = line));
}, 200);

async function shutdown() {
  clearInterval(progress);
  await consumer.disconnect();
  await database.prisma.$disconnect();
  // The demo reads this last line for its counts.
  console.log(JSON.stringify({ event: 'stopped', ...inbox.stats }));
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
