import type { Logger } from '@outboxkit/core';
import type { Producer } from 'kafkajs';

interface Slot {
  producer: Producer;
  connected: boolean;
  connecting: Promise<void> | undefined;
}

/**
 * Owns the relay's Kafka producer and replaces it when it is beyond repair: kafkajs reconnects
 * a producer by itself after a broker restart, but an idempotent producer whose producer id or
 * sequence the broker no longer knows (or one that was shut) stays broken. The relay replaces it
 * only between batches, so records of one key are never handed to two producers at once.
 */
export class ProducerHolder {
  private slot: Slot;

  constructor(
    private readonly create: () => Producer,
    private readonly logger: Logger,
  ) {
    this.slot = { producer: create(), connected: false, connecting: undefined };
  }

  get current(): Producer {
    return this.slot.producer;
  }

  get isConnected(): boolean {
    return this.slot.connected;
  }

  /** Connects the current producer unless it is; concurrent callers share one attempt. */
  async ensureConnected(): Promise<void> {
    const slot = this.slot;
    if (slot.connected) return;
    slot.connecting ??= slot.producer.connect().then(
      () => {
        slot.connected = true;
        slot.connecting = undefined;
      },
      (error: unknown) => {
        slot.connecting = undefined;
        throw error;
      },
    );
    await slot.connecting;
  }

  /** Drops the current producer (disconnecting it in the background) and connects a new one. */
  async replace(reason: string): Promise<void> {
    const old = this.slot.producer;
    this.slot = { producer: this.create(), connected: false, connecting: undefined };
    this.logger.warn('replacing the Kafka producer', { reason });
    old.disconnect().catch((error: unknown) => this.logger.debug('old producer disconnect failed', { error }));
    await this.ensureConnected();
  }

  async disconnect(): Promise<void> {
    const slot = this.slot;
    slot.connected = false;
    await slot.connecting?.catch(() => undefined);
    await slot.producer.disconnect();
  }
}
