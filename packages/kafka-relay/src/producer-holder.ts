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
 * between batches of the lane that failed. Another lane may have a send in flight on the old
 * producer then: it fails (or completes) and that lane's next batch uses the new producer. A key
 * belongs to one lane, whose batches run one after another, and the publisher's sends take turns,
 * so records of one key are never handed to two producers at once.
 */
export class ProducerHolder {
  private slot: Slot;
  private generation_ = 0;

  constructor(
    private readonly create: () => Producer,
    private readonly logger: Logger,
  ) {
    this.slot = { producer: create(), connected: false, connecting: undefined };
  }

  get current(): Producer {
    return this.slot.producer;
  }

  /** Grows by one with every replacement: tells a caller whether the producer it used is still current. */
  get generation(): number {
    return this.generation_;
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

  /**
   * Drops the current producer (disconnecting it in the background) and connects a new one.
   * With `ifGeneration`, only when the current producer is still the one of that generation:
   * several lanes failing on one broken producer replace it once, not once each.
   * Resolves false when nothing was replaced.
   */
  async replace(reason: string, ifGeneration?: number): Promise<boolean> {
    if (ifGeneration !== undefined && ifGeneration !== this.generation_) return false;
    const old = this.slot.producer;
    this.slot = { producer: this.create(), connected: false, connecting: undefined };
    this.generation_ += 1;
    this.logger.warn('replacing the Kafka producer', { reason });
    old.disconnect().catch((error: unknown) => this.logger.debug('old producer disconnect failed', { error }));
    await this.ensureConnected();
    return true;
  }

  async disconnect(): Promise<void> {
    const slot = this.slot;
    slot.connected = false;
    await slot.connecting?.catch(() => undefined);
    await slot.producer.disconnect();
  }
}
