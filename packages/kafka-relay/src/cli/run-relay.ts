import { Relay } from '../relay.js';
import { relayOptionsFromEnv } from './relay-env.js';
import type { ShutdownSignals } from './shutdown-signals.js';

/**
 * The sidecar: runs a Relay until SIGTERM or SIGINT, then finishes the batch in flight and exits
 * 0. Resolves with the exit code when the relay could not start; a running relay ends the
 * process from its shutdown. Configuration errors throw (InvalidConfigError: exit 2) before
 * anything connects.
 */
export async function runRelay(env: NodeJS.ProcessEnv, signals: ShutdownSignals): Promise<number> {
  const relay = new Relay(relayOptionsFromEnv(env));
  const { logger } = relay.settings;
  let stopping: Promise<never> | undefined;
  signals.handle((signal) => {
    if (stopping) return;
    logger.info('shutting down', { signal });
    // A stop during start waits for the start to settle (Relay.stop), then releases everything.
    stopping = relay.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  });
  try {
    await relay.start();
  } catch (error) {
    // A shutdown under way ends the process itself, with its own code.
    if (stopping) return stopping;
    // Exits without stop(): the start failed before it leased anything (the ops port, Kafka, or
    // the database at the first lease statement), and a stop would wait on the same server again.
    logger.error('relay could not start', { error });
    throw error;
  }
  logger.info('relay ready', {
    instanceId: relay.settings.instanceId,
    ...(relay.httpPort === undefined ? {} : { httpPort: relay.httpPort }),
  });
  // Runs until a signal: the shutdown exits the process.
  return new Promise<number>(() => {});
}
