import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '@outboxkit/test-support/servers';

/**
 * The dual-package hazard (docs/adopting.md, "CommonJS, ESM and Jest"): an application can load
 * the ESM build and the CommonJS build of @outboxkit/core side by side (its own code `require`s
 * the package, a library `import`s it, or the other way round). Then there are two copies of
 * every module; whatever is process-wide — the ambient transaction, the default outbox, the
 * checker and inbox-handler registries, the half-message context, the error classes — must be
 * one and the same for both, or a transaction opened by one copy is invisible to `send()` of
 * the other. The probe runs the built output (what users install) in a child process.
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PROBE = fileURLToPath(new URL('./fixtures/dual-package-probe.mjs', import.meta.url));

let database: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  database = await freshDatabase('ok_dual');
});
afterAll(async () => {
  await database?.drop();
});

function runProbe(): Promise<Record<string, boolean>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PROBE, path.join(REPO, 'packages', 'core'), database.url], (error, stdout, stderr) => {
      if (error) reject(new Error(`probe failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, boolean>);
    });
  });
}

describe('ESM and CommonJS copies of @outboxkit/core in one process', () => {
  it('share the transaction, the default outbox, the registries, the half-message context and the error classes', async () => {
    const checks = await runProbe();
    expect(checks).toEqual({
      twoCopies: true,
      defaultOutbox: true,
      scopeSeen: true,
      cjsSendInEsmTransaction: true,
      esmSendInCjsTransaction: true,
      rollbackOnlyAcrossCopies: true,
      rollbackOnlyWroteNothing: true,
      errorInstanceof: true,
      halfContextSeen: true,
      halfRollbackAcrossCopies: true,
      checkerRegistry: true,
      checkerDecorator: true,
      inboxHandlers: true,
      reflectMetadata: true,
    });
  });
});
