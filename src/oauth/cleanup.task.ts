import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { scheduleOnWallClock } from '../common/schedule/wall-clock-schedule.js';
import { AppConfig } from '../config/app-config.js';
import { CLEANUP_LOCK } from '../database/advisory-locks.js';
import { SqlService } from '../database/sql.service.js';
const STALE_CONSENT_DAYS = 180;

/**
 * Deletes expired authorization requests, codes, refresh tokens, sessions, used ID-JAG ids and revocation rows,
 * consents unused for half a year, and dynamically registered clients that never got a grant and
 * have not been used for CLIENT_IDLE_DAYS (issue 7 item 11). Several instances may run it: a transaction-scoped advisory lock
 * lets one do the work and the others skip.
 */
@Injectable()
export class OAuthCleanupTask implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OAuthCleanupTask.name);
  private stop?: () => void;

  constructor(
    private readonly sql: SqlService,
    private readonly config: AppConfig,
  ) {}

  /** Every 10 minutes on the clock (:00, :10, ...); AuditRetentionTask runs 5 minutes later. */
  onApplicationBootstrap(): void {
    this.stop = scheduleOnWallClock(10 * 60_000, 0, () => this.run());
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  async run(): Promise<Record<string, number> | undefined> {
    try {
      return await this.sql.transaction(async (q) => {
        const [{ locked }] = await q<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [CLEANUP_LOCK]);
        if (!locked) return undefined;
        const counts: Record<string, number> = {};
        const del = async (name: string, sql: string) => {
          const rows = await q(`${sql} RETURNING 1`);
          counts[name] = rows.length;
        };
        await del('authorization_requests', `DELETE FROM authorization_requests WHERE expires_at < now() - interval '1 hour'`);
        await del('authorization_codes', `DELETE FROM authorization_codes WHERE expires_at < now() - interval '1 day'`);
        await del('refresh_tokens', `DELETE FROM refresh_tokens WHERE expires_at < now()`);
        await del('browser_sessions', `DELETE FROM browser_sessions WHERE expires_at < now()`);
        // Expired assertions are refused on their exp, so their jti no longer needs remembering (RFC 7523 §3 item 7).
        await del('id_jag_uses', `DELETE FROM id_jag_uses WHERE expires_at < now()`);
        await del('token_revocations', `DELETE FROM token_revocations WHERE expires_at < now()`);
        await del('consents', `DELETE FROM consents WHERE granted_at < now() - make_interval(days => ${STALE_CONSENT_DAYS})`);
        // Their pending requests and codes go with them (ON DELETE CASCADE); a client with any grant, even revoked, is kept for the record.
        await del(
          'oauth_clients',
          `DELETE FROM oauth_clients c WHERE c.kind = 'dcr'
             AND COALESCE(c.last_used_at, c.created_at) < now() - make_interval(days => ${this.config.clientIdleDays})
             AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.client_id = c.client_id)`,
        );
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        if (total) this.logger.log(`Removed ${total} expired rows: ${JSON.stringify(counts)}`);
        return counts;
      });
    } catch (e) {
      this.logger.warn(`Clean-up failed: ${(e as Error).message}`);
      return undefined;
    }
  }
}
