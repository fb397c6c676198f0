import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { send } from '@outboxkit/core';
import { useRelayFixture } from '@outboxkit/test-support/relay-fixture';
import { kafkaBrokers, uniqueName } from '@outboxkit/test-support/servers';
import { createTopic } from '@outboxkit/test-support/kafka';
import { firstDeliveries, MESSAGE_ID, readAll, relayEnv, startRelay, stopRelay, waitFor, type StartedRelay } from './relay-support.js';

const RELAY_BIN = fileURLToPath(new URL('../../bin/outbox-relay.js', import.meta.url));

const { database, prisma, outbox } = useRelayFixture({ prefix: 'ok_relay_dead' });

/** Runs `outbox-relay <args>` to completion; stdout lines and the exit code. */
function cli(args: string[]): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RELAY_BIN, ...args], {
      env: { ...process.env, DATABASE_URL: database.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, lines: out.split('\n').filter(Boolean), stderr: err }));
  });
}

const status = async (id: string) => (await prisma.outboxMessage.findUniqueOrThrow({ where: { id } })).status;

describe('poison messages', () => {
  it('an oversized message becomes DEAD with its reason, other keys flow, its key waits; the CLI sends it back after the limit is raised', async () => {
    const topic = uniqueName('ok.dead');
    const admin = new Kafka({ clientId: uniqueName('admin'), brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    let relay: StartedRelay | undefined;
    try {
      // The topic accepts record batches of at most 20 kB; the relay's own limit stays at 1 MB.
      await createTopic(topic, 3, { configEntries: [{ name: 'max.message.bytes', value: '20000' }] });
      relay = await startRelay(relayEnv(database.url, { OUTBOX_BATCH_SIZE: '50' }));

      const big = { blob: 'x'.repeat(50_000) };
      const k = await outbox.transaction(async () => [
        send({ topic, key: 'K', value: { n: 1 } }),
        send({ topic, key: 'K', value: big }),
        send({ topic, key: 'J1', value: { n: 1 } }),
        send({ topic, key: 'K', value: { n: 3 } }),
      ]);
      const [k1, kBig, j1, k3] = k as [string, string, string, string];
      const others = await outbox.transaction(async () =>
        Array.from({ length: 20 }, (_, i) => send({ topic, key: `J${i % 5}`, value: { i } })),
      );
      const k4 = await outbox.transaction(async () => send({ topic, key: 'K', value: { n: 4 } }));

      await waitFor(async () => (await status(kBig)) === 'DEAD', 20_000, 'the big message to go DEAD').catch((error: Error) => {
        throw new Error(`${error.message}\n--- relay log ---\n${relay!.output().slice(-4000)}`);
      });
      await waitFor(async () => (await Promise.all([j1, ...others].map(status))).every((s) => s === 'PUBLISHED'), 20_000, 'other keys');
      const dead = await prisma.outboxMessage.findUniqueOrThrow({ where: { id: kBig } });
      expect(dead.lastError).toMatch(/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/);
      expect(dead.parkedAt).not.toBeNull();
      expect(await status(k1)).toBe('PUBLISHED');
      // Dead-key policy "hold": the later messages of K wait behind the dead one, still READY.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await status(k3)).toBe('READY');
      expect(await status(k4)).toBe('READY');

      const listed = await cli(['dead', 'list', '--topic', topic]);
      expect(listed.code).toBe(0);
      expect(listed.lines).toHaveLength(1);
      const entry = JSON.parse(listed.lines[0]!) as { id: string; key: string; reason: string; sizeBytes: number };
      expect(entry).toMatchObject({ id: kBig, key: 'K' });
      expect(entry.reason).toMatch(/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/);
      expect(entry.sizeBytes).toBeGreaterThan(50_000);

      // Raise the topic's limit, then send the message back.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'max.message.bytes', value: '1048588' }] }],
      });
      const retried = await cli(['dead', 'retry', kBig]);
      expect(retried.code).toBe(0);
      expect(JSON.parse(retried.lines[0]!)).toEqual({ retried: [kBig], notDead: [] });

      await waitFor(async () => (await Promise.all([kBig, k3, k4].map(status))).every((s) => s === 'PUBLISHED'), 20_000, 'K to flow again');
      const records = firstDeliveries(await readAll(topic));
      expect(records.filter((r) => r.key === 'K').map((r) => r.headers[MESSAGE_ID])).toEqual([k1, kBig, k3, k4]);
      expect((await cli(['dead', 'list', '--topic', topic])).lines).toEqual([]);
      // An id that is not dead is reported, with a non-zero exit.
      const again = await cli(['dead', 'retry', kBig]);
      expect(again.code).toBe(1);
      expect(JSON.parse(again.lines[0]!)).toEqual({ retried: [], notDead: [kBig] });
    } finally {
      await admin.disconnect();
      if (relay) await stopRelay(relay);
    }
  });
});
