import { startKafka } from '/work/main/scripts/kafka.mjs';
const k = await startKafka({ config: { 'group.coordinator.append.linger.ms': 0 } });
console.log(`KAFKA_BROKERS=${k.brokers}`);
process.on('SIGTERM', async () => { await k.stop(); process.exit(0); });
setInterval(() => {}, 1000);
