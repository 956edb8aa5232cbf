import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { SqlService, type Query } from '../../database/sql.service.js';
import { REVOCATION_CHANNEL, type RevocationKind, type RevocationRow } from './revocation.js';

/** A revocation row may matter as long as an access token issued before it can still be alive. */
const CLOCK_SKEW_SECONDS = 60;
const ROW = `id::text, kind, subject, floor(extract(epoch FROM revoked_at))::int AS "revokedAt"`;

export interface ClientRevocationResult {
  revokedAt: Date;
  grantsRevoked: number;
  announcement?: RevocationRow;
}

export interface UserDisableResult {
  disabledAt: Date;
  grantsRevoked: number;
  apiKeysRevoked: number;
  announcement: RevocationRow;
}

/**
 * The only writer of revocation state: `grants.revoked_at`, `oauth_clients.revoked_at`,
 * `users.disabled_at`, `api_keys.revoked_at`, the user's browser sessions, and the
 * `token_revocations` announcements. Each revocation is one transaction with its announcement, so a
 * revocation is either recorded and announced (NOTIFY is delivered at commit) or not at all.
 */
@Injectable()
export class RevocationRepository {
  constructor(
    private readonly config: AppConfig,
    private readonly sql: SqlService,
  ) {}

  /** Announcements other instances wrote after `lastId` that can still matter, oldest first. */
  since(lastId: string): Promise<RevocationRow[]> {
    return this.sql.query<RevocationRow>(`SELECT ${ROW} FROM token_revocations WHERE id > $1::bigint AND expires_at > now() ORDER BY id`, [lastId]);
  }

  /** A NOTIFY from a pool connection, so that a listener can check that notifications really cross connections. */
  async probe(): Promise<void> {
    await this.sql.query(`SELECT pg_notify('${REVOCATION_CHANNEL}', 'probe')`);
  }

  /** One access token (by jti): nothing is stored for it but the announcement. */
  revokeToken(tokenId: string): Promise<RevocationRow> {
    return this.sql.transaction((q) => this.announce(q, 'token', tokenId));
  }

  /** The grant's refresh tokens fail at once (every refresh checks the grant); announced only when it changed. */
  revokeGrant(grantId: string, reason: string): Promise<RevocationRow | undefined> {
    return this.sql.transaction(async (q) => {
      const rows = await q(`UPDATE grants SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [grantId, reason]);
      return rows.length ? this.announce(q, 'grant', grantId) : undefined;
    });
  }

  /**
   * Marks the client revoked (keeping the first revocation time) and revokes its live grants.
   * Announced only when the client was live. Undefined if no such client.
   */
  revokeClient(clientId: string, reason: string): Promise<ClientRevocationResult | undefined> {
    return this.sql.transaction(async (q) => {
      const fresh = await q<{ revokedAt: Date }>(
        `UPDATE oauth_clients SET revoked_at = now() WHERE client_id = $1 AND revoked_at IS NULL RETURNING revoked_at AS "revokedAt"`,
        [clientId],
      );
      const grants = await q(`UPDATE grants SET revoked_at = now(), revoked_reason = $2 WHERE client_id = $1 AND revoked_at IS NULL RETURNING id`, [
        clientId,
        reason,
      ]);
      if (fresh.length) return { revokedAt: fresh[0].revokedAt, grantsRevoked: grants.length, announcement: await this.announce(q, 'client', clientId) };
      const existing = await q<{ revokedAt: Date }>(`SELECT revoked_at AS "revokedAt" FROM oauth_clients WHERE client_id = $1`, [clientId]);
      return existing.length ? { revokedAt: existing[0].revokedAt, grantsRevoked: grants.length } : undefined;
    });
  }

  /**
   * Disables the user (keeping the first disable time), revokes their live grants and API keys, ends
   * their browser sessions and announces it. Undefined if no such user.
   */
  disableUser(userId: string, reason: string): Promise<UserDisableResult | undefined> {
    return this.sql.transaction(async (q) => {
      const users = await q<{ disabledAt: Date }>(
        `UPDATE users SET disabled_at = coalesce(disabled_at, now()) WHERE id = $1 RETURNING disabled_at AS "disabledAt"`,
        [userId],
      );
      if (users.length === 0) return undefined;
      const grants = await q(`UPDATE grants SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, [
        userId,
        reason,
      ]);
      const keys = await q(`UPDATE api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, [userId]);
      await q(`DELETE FROM browser_sessions WHERE user_id = $1`, [userId]);
      const announcement = await this.announce(q, 'user', userId);
      return { disabledAt: users[0].disabledAt, grantsRevoked: grants.length, apiKeysRevoked: keys.length, announcement };
    });
  }

  /** Revokes the key; announced only when it was live. Undefined if no such key. */
  revokeApiKey(id: string): Promise<{ announcement?: RevocationRow } | undefined> {
    return this.sql.transaction(async (q) => {
      const fresh = await q(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id]);
      if (fresh.length) return { announcement: await this.announce(q, 'api_key', id) };
      const existing = await q(`SELECT 1 FROM api_keys WHERE id = $1`, [id]);
      return existing.length ? {} : undefined;
    });
  }

  /** Records the revocation for every instance; NOTIFY carries the row id at commit. */
  private async announce(q: Query, kind: RevocationKind, subject: string): Promise<RevocationRow> {
    const rows = await q<RevocationRow>(
      `WITH r AS (
         INSERT INTO token_revocations (kind, subject, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
         RETURNING ${ROW})
       SELECT r.*, pg_notify('${REVOCATION_CHANNEL}', r.id) FROM r`,
      [kind, subject, this.config.accessTokenTtlSeconds + CLOCK_SKEW_SECONDS],
    );
    const { id, revokedAt } = rows[0];
    return { id, kind, subject, revokedAt };
  }
}
