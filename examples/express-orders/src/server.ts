import { createApp } from './app.js';
import { createDatabase } from './database.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is not set');
const port = Number(process.env.PORT ?? 3000);

const database = createDatabase(databaseUrl);
const server = createApp(database).listen(port, '127.0.0.1', () => {
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  // The demo and the tests wait for this line.
  console.log(JSON.stringify({ event: 'listening', port: actualPort }));
});

async function shutdown() {
  server.close();
  await database.prisma.$disconnect();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
