import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { SqlService } from '../database/sql.service.js';

export type RevocationKind = 'token' | 'grant' | 'client' | 'user' | 'api_key';

export interface RevocationSubject {
  tokenId?: string;
  grantId?: string;
  clientId?: string;
  userId?: string;
  apiKeyId?: string;
  /** Issued-at, seconds: a client or user revoked at or after this time invalidates the token. */
  issuedAt: number;
}

interface RevocationRow {
  id: string;
  kind: RevocationKind;
  subject: string;
  revokedAt: number;
}

const POLL_INTERVAL_MS = 1000;
/** Without working notifications (e.g. the embedded engine's single session), poll this often. */
const FAST_POLL_INTERVAL_MS = 250;
const PROBE_TIMEOUT_MS = 1000;
const CHANNEL = 'token_revocations';
const RECONNECT_MS = 2000;
const CLOCK_SKEW_SECONDS = 60;

/**
 * Revocation list consulted on every request from memory (no database work on the hot path).
 * Revocations are written to `token_revocations` with a NOTIFY; every instance LISTENs and applies
 * new rows at once, and also polls every second as a safety net (a dropped listener connection, an
 * engine without LISTEN). Rows expire once no access token they could match is still alive.
 */
@Injectable()
export class TokenRevocationService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Revocation');
  private readonly tokens = new Set<string>();
  private readonly grants = new Set<string>();
  private readonly apiKeys = new Set<string>();
  private readonly clients = new Map<string, number>();
  private readonly users = new Map<string, number>();
  private lastId = '0';
  private timer?: NodeJS.Timeout;
  private lastSync = 0;
  private listener?: pg.Client;
  private stopped = false;
  private syncing?: Promise<void>;
  private notificationsWork = false;

  constructor(
    private readonly config: AppConfig,
    private readonly sql: SqlService,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => {
      if (this.notificationsWork && Date.now() - this.lastSync < POLL_INTERVAL_MS) return;
      this.syncQuietly();
    }, FAST_POLL_INTERVAL_MS);
    this.timer.unref();
    void this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.listener?.end().catch(() => undefined);
  }

  /** Whether the LISTEN connection is up (exposed for metrics). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  isRevoked(s: RevocationSubject): boolean {
    if (s.tokenId && this.tokens.has(s.tokenId)) return true;
    if (s.grantId && this.grants.has(s.grantId)) return true;
    if (s.apiKeyId && this.apiKeys.has(s.apiKeyId)) return true;
    const clientAt = s.clientId ? this.clients.get(s.clientId) : undefined;
    if (clientAt !== undefined && s.issuedAt <= clientAt) return true;
    const userAt = s.userId ? this.users.get(s.userId) : undefined;
    return userAt !== undefined && s.issuedAt <= userAt;
  }

  /** Records a revocation for every instance and applies it here at once. */
  async revoke(kind: RevocationKind, subject: string): Promise<void> {
    const rows = await this.sql.query<RevocationRow>(
      `WITH r AS (
         INSERT INTO token_revocations (kind, subject, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
         RETURNING id::text, kind, subject, floor(extract(epoch FROM revoked_at))::int AS "revokedAt")
       SELECT r.*, pg_notify('${CHANNEL}', r.id) FROM r`,
      [kind, subject, this.config.accessTokenTtlSeconds + CLOCK_SKEW_SECONDS],
    );
    this.apply(rows[0]);
  }

  /** Loads revocations other instances wrote since the last sync; concurrent calls share one query. */
  async sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        const rows = await this.sql.query<RevocationRow>(
          `SELECT id::text, kind, subject, floor(extract(epoch FROM revoked_at))::int AS "revokedAt"
           FROM token_revocations WHERE id > $1::bigint AND expires_at > now() ORDER BY id`,
          [this.lastId],
        );
        for (const row of rows) this.apply(row);
        this.lastSync = Date.now();
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private syncQuietly(): void {
    this.sync().catch((e: Error) => this.logger.warn(`Revocation sync failed: ${e.message}`));
  }

  /** A dedicated connection LISTENing for revocations; reconnects after failures. */
  private async listen(): Promise<void> {
    if (this.stopped) return;
    const url = (this.dataSource.options as { url?: string }).url;
    if (!url) return;
    const client = new pg.Client({ connectionString: url });
    let probe: (() => void) | undefined;
    client.on('notification', (n) => {
      if (n.payload === 'probe') probe?.();
      else this.syncQuietly();
    });
    client.on('error', (e) => {
      this.logger.warn(`Revocation listener lost: ${e.message}`);
      this.listener = undefined;
      this.notificationsWork = false;
      client.end().catch(() => undefined);
      setTimeout(() => void this.listen(), RECONNECT_MS).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.stopped) return void (await client.end());
      this.listener = client;
      // Check that NOTIFY from another connection really arrives; otherwise keep polling fast.
      const arrived = new Promise<boolean>((resolve) => {
        probe = () => resolve(true);
        setTimeout(() => resolve(false), PROBE_TIMEOUT_MS).unref();
      });
      await this.sql.query(`SELECT pg_notify('${CHANNEL}', 'probe')`);
      this.notificationsWork = await arrived;
      this.syncQuietly();
    } catch (e) {
      this.logger.warn(`Revocation listener unavailable (polling every ${POLL_INTERVAL_MS} ms): ${(e as Error).message}`);
      await client.end().catch(() => undefined);
      setTimeout(() => void this.listen(), RECONNECT_MS * 5).unref();
    }
  }

  get size(): number {
    return this.tokens.size + this.grants.size + this.apiKeys.size + this.clients.size + this.users.size;
  }

  /** Milliseconds since the last successful sync with the database. */
  get age(): number {
    return Date.now() - this.lastSync;
  }

  private apply(row: RevocationRow): void {
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
        this.users.set(row.subject, Math.max(row.revokedAt, this.users.get(row.subject) ?? 0));
        break;
    }
  }
}
