import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const port = Number(process.env.PORT ?? 3000);
const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(port, '127.0.0.1');
const address = app.getHttpServer().address();
// The tests wait for this line.
console.log(JSON.stringify({ event: 'listening', port: typeof address === 'object' && address ? address.port : port }));
