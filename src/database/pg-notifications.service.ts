import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseConnector } from './database-connector.service.js';
import { SqlService } from './sql.service.js';

/** The channel the listener NOTIFYs itself on (from a pool connection) to check that notifications cross connections. */
const PROBE_CHANNEL = 'pg_notifications_probe';
const PROBE_TIMEOUT_MS = 1000;
/** Reconnecting the listener: 250 ms doubling to 10 s, with jitter. */
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 10_000;
/** Postgres: a NOTIFY payload must be shorter than 8000 bytes. */
export const MAX_PAYLOAD_BYTES = 7999;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** A delay between half and all of min(max, base · 2^(attempt-1)). */
export function backoff(attempt: number, max: number, base = BACKOFF_BASE_MS): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt - 1, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export interface ChannelHandler {
  /** A notification on the channel (its payload). */
  message(payload: string): void;
  /**
   * The listener (re)connected and notifications are known to work (`working`) or not: anything
   * announced while it was down was missed, so a subscriber with a table behind it re-reads it.
   */
  connected?(working: boolean): void;
}

/**
 * Postgres LISTEN/NOTIFY for the whole process: one dedicated connection LISTENs on every channel a
 * feature subscribed to (revocations, MCP resource changes), reconnects with backoff after a failure,
 * and checks with a probe NOTIFY from a pool connection that notifications really cross connections
 * (`working`; features keep a polling safety net for when they do not). NOTIFY goes through the pool.
 */
@Injectable()
export class PgNotifications implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PgNotifications.name);
  private readonly channels = new Map<string, Set<ChannelHandler>>();
  private listener?: pg.Client;
  private stopped = false;
  private started = false;
  private working = false;
  private attempts = 0;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: SqlService,
    private readonly connector: DatabaseConnector,
  ) {}

  onModuleInit(): void {
    this.connector.onConnected('notifications listener', () => {
      this.started = true;
      void this.listen();
      return Promise.resolve();
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  /** Whether the LISTEN connection is up. */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** Whether a NOTIFY from another connection was seen to arrive on the current LISTEN connection. */
  get notificationsWork(): boolean {
    return this.working;
  }

  /** Subscribes to `channel` (a plain lower-case identifier); returns the unsubscribe function. */
  on(channel: string, handler: ChannelHandler): () => void {
    if (!CHANNEL.test(channel) || channel === PROBE_CHANNEL) throw new Error(`Not a usable channel name: ${channel}`);
    let handlers = this.channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
      const listener = this.listener;
      listener?.query(`LISTEN ${channel}`).catch((e: Error) => this.lost(listener, e));
    }
    handlers.add(handler);
    return () => void handlers.delete(handler);
  }

  /** NOTIFY on `channel` through the pool; delivered when the sending transaction commits (at once here). */
  async notify(channel: string, payload: string): Promise<void> {
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) throw new Error(`NOTIFY payload too large (${Buffer.byteLength(payload)} bytes)`);
    await this.sql.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  private deliver(channel: string, payload: string | undefined): void {
    for (const handler of this.channels.get(channel) ?? []) {
      try {
        handler.message(payload ?? '');
      } catch (e) {
        this.logger.warn(`Notification handler for ${channel} failed: ${(e as Error).message}`);
      }
    }
  }

  private connected(): void {
    for (const handlers of this.channels.values()) for (const h of handlers) h.connected?.(this.working);
  }

  /** One pending reconnection at a time, however many ways the connection failed. */
  private schedule(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.attempts++;
    this.reconnectTimer = setTimeout(
      () => {
        this.reconnectTimer = undefined;
        void this.listen();
      },
      backoff(this.attempts, BACKOFF_MAX_MS),
    );
    this.reconnectTimer.unref();
  }

  private lost(client: pg.Client, e: Error): void {
    if (this.listener === client) {
      this.logger.warn(`Notifications listener lost: ${e.message}`);
      this.listener = undefined;
      this.working = false;
    }
    client.end().catch(() => undefined);
    this.schedule();
  }

  private async listen(): Promise<void> {
    if (this.stopped || !this.started) return;
    const url = (this.dataSource.options as { url?: string }).url;
    if (!url) return;
    const client = new pg.Client({ connectionString: url });
    let probe: (() => void) | undefined;
    client.on('notification', (n) => {
      if (n.channel === PROBE_CHANNEL) probe?.();
      else this.deliver(n.channel, n.payload);
    });
    client.on('error', (e) => this.lost(client, e));
    try {
      await client.connect();
      for (const channel of [PROBE_CHANNEL, ...this.channels.keys()]) await client.query(`LISTEN ${channel}`);
      if (this.stopped) return void (await client.end());
      this.listener = client;
      const arrived = new Promise<boolean>((resolve) => {
        probe = () => resolve(true);
        setTimeout(() => resolve(false), PROBE_TIMEOUT_MS).unref();
      });
      this.attempts = 0;
      await this.sql.query(`SELECT pg_notify('${PROBE_CHANNEL}', '')`);
      this.working = await arrived;
      if (!this.working) this.logger.warn('NOTIFY from another connection does not arrive on this database: features fall back to polling');
      this.connected();
    } catch (e) {
      if (this.attempts === 0 || this.attempts % 10 === 0)
        this.logger.warn(`Notifications listener unavailable (retrying with backoff): ${(e as Error).message}`);
      if (this.listener === client) this.listener = undefined;
      this.working = false;
      await client.end().catch(() => undefined);
      this.schedule();
    }
  }
}
