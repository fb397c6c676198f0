import { describe, expect, it } from 'vitest';
import type { Logger } from '@outboxkit/core';
import { isLoopback, OpsServer } from './ops-server.js';

function capturingLogger() {
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = { debug() {}, info() {}, error() {}, warn: (message, fields) => warnings.push({ message, fields }) };
  return { logger, warnings };
}

async function started(host: string) {
  const { logger, warnings } = capturingLogger();
  const server = new OpsServer({ host, port: 0, health: () => ({ ok: true }), ready: () => ({ ok: true }), metrics: async () => '', logger });
  const port = await server.start();
  await server.stop();
  return { port, warnings };
}

describe('OpsServer binding', () => {
  it('warns once when it listens beyond loopback (as Kubernetes probes need), naming host and port', async () => {
    const { port, warnings } = await started('0.0.0.0');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ message: 'ops endpoints listen beyond loopback', fields: { host: '0.0.0.0', port } });
    expect(String(warnings[0]!.fields!.hint)).toMatch(/NetworkPolicy/);
  });

  it('says nothing on loopback', async () => {
    expect((await started('127.0.0.1')).warnings).toEqual([]);
    expect((await started('localhost')).warnings).toEqual([]);
  });

  it('knows loopback addresses from the others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.7', 'relay.svc.cluster.local', '128.0.0.1', '::ffff:10.0.0.1']) expect(isLoopback(host), host).toBe(false);
  });
});
