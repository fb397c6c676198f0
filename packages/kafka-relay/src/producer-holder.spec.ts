import { silentLogger } from '@outboxkit/core';
import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ProducerHolder } from './producer-holder.js';

function fakeProducer(name: string, log: string[]): Producer {
  return {
    connect: async () => void log.push(`connect ${name}`),
    disconnect: async () => void log.push(`disconnect ${name}`),
  } as unknown as Producer;
}

describe('ProducerHolder', () => {
  it('replaces a producer once when several lanes report failures of the same generation', async () => {
    const log: string[] = [];
    let n = 0;
    const holder = new ProducerHolder(() => fakeProducer(`p${n++}`, log), silentLogger);
    await holder.ensureConnected();
    const generation = holder.generation;
    const [first, second] = await Promise.all([holder.replace('lane 0 failed', generation), holder.replace('lane 1 failed', generation)]);
    expect([first, second]).toEqual([true, false]);
    expect(holder.generation).toBe(generation + 1);
    expect(log).toEqual(['connect p0', 'disconnect p0', 'connect p1']);
    // Without a generation (a poison request's replay), it always replaces.
    expect(await holder.replace('poison')).toBe(true);
    expect(holder.generation).toBe(generation + 2);
  });
});
