import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { SqlService } from '../database/sql.service.js';

const CLEANUP_LOCK = 7_340_002;
const STALE_CONSENT_DAYS = 180;

/**
 * Deletes expired authorization requests, codes, refresh tokens, sessions and revocation rows, and
 * consents unused for half a year. Several instances may run it: a transaction-scoped advisory lock
 * lets one do the work and the others skip.
 */
@Injectable()
export class OAuthCleanupTask {
  private readonly logger = new Logger('Cleanup');

  constructor(private readonly sql: SqlService) {}

  @Cron(CronExpression.EVERY_10_MINUTES)
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
        await del('token_revocations', `DELETE FROM token_revocations WHERE expires_at < now()`);
        await del('consents', `DELETE FROM consents WHERE granted_at < now() - make_interval(days => ${STALE_CONSENT_DAYS})`);
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
