#!/usr/bin/env node
// Committed shim so package managers can link the bin before the TypeScript build has run.
import '../dist/cli/outboxkit.js';
