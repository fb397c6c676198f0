import type { BackoffPolicy, Logger } from '@outboxkit/core';
import pg from 'pg';
import { explainPgError, pgClientConfig, type PgConnectionSettings } from './pg-connection.js';

export interface NudgeListenerOptions {
  /** Where and how to connect (with the connect and query timeouts). */
  connection: PgConnectionSettings;
  /** Validated channel name (letters, digits, "_"). */
  channel: string;
  onNudge: (payload: string) => void;
  backoff: BackoffPolicy;
  logger: Logger;
}

/**
 * LISTENs for nudges on a dedicated connection (a pooled one would lose its LISTEN when handed
 * back). A lost connection is re-established with backoff; after every (re)connect the relay is
 * nudged once, since notifications sent while it was away are gone.
 */
export class NudgeListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: NudgeListenerOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { connection, channel, onNudge, logger } = this.options;
    const client = new pg.Client(pgClientConfig(connection));
    let lost = false;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (!this.stopped) {
        logger.warn('relay nudge listener lost its connection; reconnecting', { error });
        this.scheduleReconnect();
      }
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === channel) onNudge(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (error) {
      onLost(explainPgError(error, connection));
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    logger.debug('relay listening for nudges', { channel });
    onNudge('reconnected');
  }

  private scheduleReconnect(): void {
    this.failures += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) void this.connect();
    }, this.options.backoff(this.failures));
    this.retryTimer.unref?.();
  }
}
