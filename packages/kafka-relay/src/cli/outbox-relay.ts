import { OutboxError } from '@outboxkit/core';
import { Relay } from '../relay.js';
import { relayOptionsFromEnv } from './relay-env.js';

/** The sidecar: runs a Relay until SIGTERM or SIGINT, then finishes the batch in flight and exits. */
async function main(): Promise<void> {
  const relay = new Relay(relayOptionsFromEnv(process.env));
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    relay.settings.logger.info('shutting down', { signal });
    stopping = relay.stop().then(
      () => process.exit(0),
      (error) => {
        relay.settings.logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await relay.start();
  relay.settings.logger.info('relay ready');
}

main().catch((error: unknown) => {
  const message = error instanceof OutboxError ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`outbox-relay: ${message}\n`);
  process.exit(1);
});
