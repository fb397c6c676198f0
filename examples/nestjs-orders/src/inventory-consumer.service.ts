import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createInboxConsumer, type InboxConsumer } from '@outboxkit/kafka-relay';
import { InjectOutbox, OutboxExplorer } from '@outboxkit/nestjs';
import type { PrismaOutbox } from '@outboxkit/prisma-adapter';

export const CONSUMER_GROUP = process.env.CONSUMER_GROUP ?? 'inventory';

/**
 * Runs outboxkit's inbox consumer with the @InboxHandler methods the OutboxModule found on this
 * application's providers (retries and a dead-letter topic included).
 */
@Injectable()
export class InventoryConsumerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: InboxConsumer | undefined;

  constructor(
    @Inject(OutboxExplorer) private readonly explorer: OutboxExplorer,
    @InjectOutbox() private readonly outbox: PrismaOutbox<any>,
  ) {}

  get stats() {
    return this.consumer?.stats ?? { processed: 0, duplicates: 0, retried: 0, deadLettered: 0, failures: 0 };
  }

  async onApplicationBootstrap(): Promise<void> {
    const brokers = process.env.KAFKA_BROKERS?.split(',');
    if (!brokers) throw new Error('KAFKA_BROKERS is not set');
    this.consumer = createInboxConsumer({
      outbox: this.outbox,
      groupId: CONSUMER_GROUP,
      brokers,
      handlers: this.explorer.inboxHandlers({ consumerGroup: CONSUMER_GROUP }),
      fromBeginning: true,
    });
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
