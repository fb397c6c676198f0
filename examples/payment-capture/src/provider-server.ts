import { startPaymentProvider } from './payment-provider.js';

/** Runs the fake payment provider on its own: `PORT=4000 pnpm provider`. */
const provider = await startPaymentProvider({ port: Number(process.env.PORT ?? 4000), slowMs: Number(process.env.SLOW_MS ?? 3_000) });
console.log(JSON.stringify({ event: 'listening', url: provider.url }));
process.on('SIGTERM', () => void provider.close().then(() => process.exit(0)));
process.on('SIGINT', () => void provider.close().then(() => process.exit(0)));
