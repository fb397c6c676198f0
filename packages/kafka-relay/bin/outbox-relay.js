#!/usr/bin/env node
// Committed shim so package managers can link the bin before the TypeScript build has run.
// The signal handlers come first, before the relay's modules load (that takes a moment): a
// SIGTERM in that moment exits 0 with a log line instead of killing the process silently.
import { installShutdownSignals } from '../dist/cli/shutdown-signals.js';

const signals = installShutdownSignals();
const { main } = await import('../dist/cli/outbox-relay.js');
await main(process.argv.slice(2), signals);
