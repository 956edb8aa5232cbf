import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DatabaseConnector } from '../../database/database-connector.service.js';
import { backoff, PgNotifications } from '../../database/pg-notifications.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { REVOCATION_CHANNEL, type RevocationRow, type RevocationSubject } from './revocation.js';
import { RevocationRepository } from './revocation.repository.js';

const POLL_INTERVAL_MS = 1000;
/** Without working notifications (e.g. the embedded engine's single session), poll this often. */
const FAST_POLL_INTERVAL_MS = 250;
/** Polling while the database is unreachable: 250 ms doubling to this, with jitter. */
const POLL_BACKOFF_MAX_MS = 5000;

/**
 * Revocation list consulted on every request from memory (no database work on the hot path).
 * RevocationService writes each revocation with a NOTIFY; every instance LISTENs (PgNotifications)
 * and applies new rows at once, and also polls every second as a safety net (a dropped listener
 * connection, an engine where NOTIFY does not cross connections). Rows expire once no access token they could match is still alive.
 */
@Injectable()
export class RevocationCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RevocationCache.name);
  private readonly tokens = new Set<string>();
  private readonly grants = new Set<string>();
  private readonly apiKeys = new Set<string>();
  private readonly clients = new Map<string, number>();
  /**
   * Per user: when last disabled, and the row ids of the latest disable and enable (ids, not seconds,
   * order them: a disable and an enable can fall in the same second).
   */
  private readonly users = new Map<string, { disabledAt: number; disabledRow: bigint; enabledRow: bigint }>();
  private lastId = '0';
  private timer?: NodeJS.Timeout;
  private lastSync = 0;
  private syncing?: Promise<void>;
  private syncFailures = 0;
  private nextPollAt = 0;

  constructor(
    private readonly repository: RevocationRepository,
    private readonly notifications: PgNotifications,
    private readonly metrics: MetricsService,
    private readonly connector: DatabaseConnector,
  ) {}

  onModuleInit(): void {
    this.registerMetrics();
    // A row id announced: read the new rows. (Re)connected: read what was announced meanwhile.
    this.notifications.on(REVOCATION_CHANNEL, { message: () => this.syncQuietly(), connected: () => this.syncQuietly() });
    this.connector.onConnected('revocation list', () => this.start());
  }

  private async start(): Promise<void> {
    await this.sync();
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (Date.now() < this.nextPollAt) return; // the database was unreachable: backing off
      if (this.notifications.notificationsWork && Date.now() - this.lastSync < POLL_INTERVAL_MS) return;
      this.syncQuietly();
    }, FAST_POLL_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Whether the LISTEN connection is up (exposed for metrics). */
  get listening(): boolean {
    return this.notifications.listening;
  }

  isRevoked(s: RevocationSubject): boolean {
    if (s.tokenId && this.tokens.has(s.tokenId)) return true;
    if (s.grantId && this.grants.has(s.grantId)) return true;
    if (s.apiKeyId && this.apiKeys.has(s.apiKeyId)) return true;
    const clientAt = s.clientId ? this.clients.get(s.clientId) : undefined;
    if (clientAt !== undefined && s.issuedAt <= clientAt) return true;
    const user = s.userId ? this.users.get(s.userId) : undefined;
    // A disabled user's tokens are refused whenever issued, until the user is enabled again; then
    // only those issued up to the disable.
    return user !== undefined && (s.issuedAt <= user.disabledAt || user.disabledRow > user.enabledRow);
  }

  /** Loads revocations other instances wrote since the last sync; concurrent calls share one query. */
  async sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        for (const row of await this.repository.since(this.lastId)) this.apply(row);
        this.lastSync = Date.now();
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private syncQuietly(): void {
    this.sync().then(
      () => {
        this.syncFailures = 0;
        this.nextPollAt = 0;
      },
      (e: Error) => {
        this.syncFailures++;
        this.nextPollAt = Date.now() + backoff(this.syncFailures, POLL_BACKOFF_MAX_MS);
        if (this.syncFailures === 1 || this.syncFailures % 20 === 0) this.logger.warn(`Revocation sync failed (${this.syncFailures} in a row): ${e.message}`);
      },
    );
  }

  get size(): number {
    return this.tokens.size + this.grants.size + this.apiKeys.size + this.clients.size + this.users.size;
  }

  /** Milliseconds since the last successful sync with the database. */
  get age(): number {
    return Date.now() - this.lastSync;
  }

  /** Applies one announced revocation (from RevocationService at once, from other instances via sync). */
  apply(row: RevocationRow): void {
    if (BigInt(row.id) > BigInt(this.lastId)) this.lastId = row.id;
    switch (row.kind) {
      case 'token':
        this.tokens.add(row.subject);
        break;
      case 'grant':
        this.grants.add(row.subject);
        break;
      case 'api_key':
        this.apiKeys.add(row.subject);
        break;
      case 'client':
        this.clients.set(row.subject, Math.max(row.revokedAt, this.clients.get(row.subject) ?? 0));
        break;
      case 'user':
      case 'user_enabled': {
        const user = this.users.get(row.subject) ?? { disabledAt: -Infinity, disabledRow: 0n, enabledRow: 0n };
        const id = BigInt(row.id);
        if (row.kind === 'user') {
          user.disabledAt = Math.max(user.disabledAt, row.revokedAt);
          if (id > user.disabledRow) user.disabledRow = id;
        } else if (id > user.enabledRow) user.enabledRow = id;
        this.users.set(row.subject, user);
        break;
      }
    }
  }

  private registerMetrics(): void {
    const size = () => this.size;
    const age = () => this.age;
    new Gauge({
      name: 'revocation_cache_entries',
      help: 'Revoked tokens, grants, API keys, clients and users held in memory',
      registers: [this.metrics.registry],
      collect() {
        this.set(size());
      },
    });
    new Gauge({
      name: 'revocation_cache_age_seconds',
      help: 'Seconds since the revocation cache last synchronised with the database',
      registers: [this.metrics.registry],
      collect() {
        this.set(age() / 1000);
      },
    });
  }
}
