import { Relay } from '../relay.js';
import { relayOptionsFromEnv } from './relay-env.js';
import { readRelayEnv, RELAY_ENV_VARIABLES } from './relay-env-variables.js';
import type { ShutdownSignals, StopWithParentMode } from './shutdown-signals.js';

/**
 * The sidecar: runs a Relay until SIGTERM or SIGINT — or until its parent exits, under a
 * package manager (OUTBOX_STOP_WITH_PARENT) — then finishes the batch in flight and exits 0.
 * Resolves with the exit code when the relay could not start; a running relay ends the process
 * from its shutdown. Configuration errors throw (InvalidConfigError: exit 2) before anything
 * connects. `configFile` is only named in the log: its keys, never its values.
 */
export async function runRelay(
  env: NodeJS.ProcessEnv,
  signals: ShutdownSignals,
  configFile?: { file: string; keys: readonly string[] },
): Promise<number> {
  const relay = new Relay(relayOptionsFromEnv(env));
  const stopWithParent = (readRelayEnv(env, RELAY_ENV_VARIABLES.find((v) => v.name === 'OUTBOX_STOP_WITH_PARENT')!) ?? 'auto') as StopWithParentMode;
  const { logger } = relay.settings;
  if (configFile) logger.info('configuration file read', { file: configFile.file, keys: [...configFile.keys].sort() });
  let stopping: Promise<never> | undefined;
  signals.handle((cause) => {
    if (stopping) return;
    logger.info(
      'shutting down',
      cause === 'parent-exited'
        ? { reason: 'parent process exited (npm and npx pass SIGTERM to their shell only)', parentPid: signals.parentPid }
        : { signal: cause },
    );
    // A stop during start waits for the start to settle (Relay.stop), then releases everything.
    stopping = relay.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  });
  // From now on: a parent gone while the relay started is noticed here, and stops it like SIGTERM.
  if (signals.stopWithParent(stopWithParent)) logger.debug('stops when its parent process exits', { parentPid: signals.parentPid });
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
