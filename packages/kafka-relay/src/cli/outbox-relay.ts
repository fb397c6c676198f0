import { OutboxError } from '@outboxkit/core';
import { Relay } from '../relay.js';
import { relayOptionsFromEnv } from './relay-env.js';
import { runReplayCommand } from './replay-command.js';
import { deadCommand } from './dead-command.js';
import { halfCommand } from './half-command.js';

/** The sidecar: runs a Relay until SIGTERM or SIGINT, then finishes the batch in flight and exits. */
async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'dead') {
    process.exit(await deadCommand(args, process.env, (line) => process.stdout.write(`${line}\n`)));
  }
  if (command === 'half') {
    process.exit(await halfCommand(args, process.env, (line) => process.stdout.write(`${line}\n`)));
  }
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
  relay.settings.logger.info('relay ready', {
    instanceId: relay.settings.instanceId,
    ...(relay.httpPort === undefined ? {} : { httpPort: relay.httpPort }),
  });
}

if (process.argv[2] === 'replay') process.exit(await runReplayCommand(process.argv.slice(3)));

main().catch((error: unknown) => {
  const message = error instanceof OutboxError ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`outbox-relay: ${message}\n`);
  process.exit(1);
});
