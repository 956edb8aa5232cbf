import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { SqlService, type Query } from '../../database/sql.service.js';
import { LAST_ADMIN, REVOCATION_CHANNEL, type RevocationKind, type RevocationRow } from './revocation.js';

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

  private get ttlSeconds(): number {
    return this.config.maxAccessTokenLifetimeSeconds + CLOCK_SKEW_SECONDS;
  }

  /** Announcements other instances wrote after `lastId` that can still matter, oldest first. */
  since(lastId: string): Promise<RevocationRow[]> {
    return this.sql.query<RevocationRow>(`SELECT ${ROW} FROM token_revocations WHERE id > $1::bigint AND expires_at > now() ORDER BY id`, [lastId]);
  }

  /** One access token (by jti): nothing is stored for it but the announcement. */
  revokeToken(tokenId: string): Promise<RevocationRow> {
    return this.sql.transaction((q) => this.announce(q, 'token', tokenId));
  }

  /**
   * AUTH_MODE=external: a client of the company authorization server, which has no row here; only
   * the announcement (every token issued to it so far is refused).
   */
  denyExternalClient(clientId: string): Promise<RevocationRow> {
    return this.sql.transaction((q) => this.announce(q, 'client', clientId));
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
   * their browser sessions and announces it. The announcement lasts until the user is enabled again:
   * every instance refuses the user's tokens meanwhile, whenever issued. Undefined if no such user; LAST_ADMIN if the user is the
   * last enabled one whose login is in `adminLogins` (lower case). The user and every administrator
   * row are locked in id order first, so two administrators disabling each other at once cannot both
   * succeed, and cannot deadlock.
   */
  disableUser(userId: string, reason: string, adminLogins: readonly string[]): Promise<UserDisableResult | typeof LAST_ADMIN | undefined> {
    return this.sql.transaction(async (q) => {
      const locked = await q<{ id: string; admin: boolean; enabled: boolean }>(
        `SELECT id, lower(login) = ANY($2::text[]) AS admin, disabled_at IS NULL AS enabled
         FROM users WHERE id = $1 OR lower(login) = ANY($2::text[]) ORDER BY id FOR UPDATE`,
        [userId, adminLogins],
      );
      const target = locked.find((u) => u.id === userId);
      if (!target) return undefined;
      if (target.admin && target.enabled && !locked.some((u) => u.id !== userId && u.admin && u.enabled)) return LAST_ADMIN;
      const users = await q<{ disabledAt: Date }>(
        `UPDATE users SET disabled_at = coalesce(disabled_at, now()) WHERE id = $1 RETURNING disabled_at AS "disabledAt"`,
        [userId],
      );
      const grants = await q(`UPDATE grants SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, [
        userId,
        reason,
      ]);
      const keys = await q(`UPDATE api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, [userId]);
      await q(`DELETE FROM browser_sessions WHERE user_id = $1`, [userId]);
      const announcement = await this.announce(q, 'user', userId, { untilEnabled: true });
      return { disabledAt: users[0].disabledAt, grantsRevoked: grants.length, apiKeysRevoked: keys.length, announcement };
    });
  }

  /**
   * Enables a disabled user again. Their announcements now expire like any other (tokens issued before
   * the disable stay refused), and a `user_enabled` announcement tells every instance to accept the
   * user's new tokens. Grants and API keys revoked by the disable stay revoked. Undefined if no such user.
   */
  enableUser(userId: string): Promise<{ announcement?: RevocationRow } | undefined> {
    return this.sql.transaction(async (q) => {
      const users = await q<{ disabled: boolean }>(`SELECT disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1 FOR UPDATE`, [userId]);
      if (users.length === 0) return undefined;
      if (!users[0].disabled) return {};
      await q(`UPDATE users SET disabled_at = NULL WHERE id = $1`, [userId]);
      await q(`UPDATE token_revocations SET expires_at = now() + make_interval(secs => $2) WHERE kind = 'user' AND subject = $1 AND expires_at = 'infinity'`, [
        userId,
        this.ttlSeconds,
      ]);
      return { announcement: await this.announce(q, 'user_enabled', userId) };
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

  /**
   * Records the revocation for every instance; NOTIFY carries the row id at commit. The row lives as
   * long as an access token issued before it can (or, `untilEnabled`, until the user is enabled again).
   */
  private async announce(q: Query, kind: RevocationKind, subject: string, opts: { untilEnabled?: boolean } = {}): Promise<RevocationRow> {
    const rows = await q<RevocationRow>(
      `WITH r AS (
         INSERT INTO token_revocations (kind, subject, expires_at)
         VALUES ($1, $2, CASE WHEN $4 THEN 'infinity'::timestamptz ELSE now() + make_interval(secs => $3) END)
         RETURNING ${ROW})
       SELECT r.*, pg_notify('${REVOCATION_CHANNEL}', r.id) FROM r`,
      [kind, subject, this.ttlSeconds, opts.untilEnabled ?? false],
    );
    const { id, revokedAt } = rows[0];
    return { id, kind, subject, revokedAt };
  }
}
