import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CONSUMER_GROUP, InventoryConsumerService } from './inventory-consumer.service.js';
import { InventoryModule } from './inventory.module.js';
import { ORDERS_TOPIC } from './order.service.js';

const app = await NestFactory.createApplicationContext(InventoryModule, { logger: ['error', 'warn'] });
const consumer = app.get(InventoryConsumerService);
console.log(JSON.stringify({ event: 'consuming', groupId: CONSUMER_GROUP, topic: ORDERS_TOPIC }));

// Progress for whoever watches (the tests wait on these lines).
let reported = '';
const progress = setInterval(() => {
  const line = JSON.stringify({ event: 'stats', ...consumer.stats });
  if (line !== reported) console.log((reported = line));
}, 200);

async function shutdown() {
  clearInterval(progress);
  const stats = consumer.stats;
  await app.close();
  console.log(JSON.stringify({ event: 'stopped', ...stats }));
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
