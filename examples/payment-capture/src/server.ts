import { registerCheckers } from '@outboxkit/core';
import { createApp } from './app.js';
import { createDatabase } from './database.js';
import { PaymentService } from './payment-service.js';
import { ProviderClient } from './provider-client.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const port = Number(process.env.PORT ?? 3001);

const database = createDatabase(env('DATABASE_URL'));
const payments = new PaymentService(new ProviderClient(env('PROVIDER_URL'), Number(process.env.PROVIDER_TIMEOUT_MS ?? 2_000)));
registerCheckers(payments); // its @TransactionChecker methods answer the relay's back-checks
const server = createApp(payments, env('OUTBOX_CHECKER_SECRET')).listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ event: 'listening', port: typeof address === 'object' && address ? address.port : port }));
});

async function shutdown() {
  server.close();
  await database.prisma.$disconnect();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
