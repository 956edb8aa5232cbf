import { Injectable } from '@nestjs/common';
import { SqlService, type Query } from '../../database/sql.service.js';

export interface NewGrant {
  userId: string;
  clientId: string;
  scopes: string[];
  resource: string;
}

export interface IssuedRefresh {
  hash: string;
  scopes: string[];
  ttlSeconds: number;
}

export interface RefreshTokenRecord {
  grantId: string;
  scopes: string[];
  expired: boolean;
  usedAt: Date | null;
  userId: string;
  login: string;
  userSource: string;
  clientId: string;
  grantScopes: string[];
  resource: string;
  grantRevokedAt: Date | null;
  userDisabledAt: Date | null;
}

/** Grants (user × client × scopes) and their rotating family of refresh tokens (stored hashed). */
@Injectable()
export class GrantsRepository {
  constructor(private readonly sql: SqlService) {}

  /**
   * Marks the code used (only if unused and unexpired: the race-free single-use step), creates the
   * grant and its first refresh token, in one transaction. `taken` if the code was used meanwhile;
   * `user_disabled` if the user is disabled (their row is share-locked, so a concurrent disable waits
   * and then revokes the new grant too).
   */
  async redeemCode(codeHash: string, grant: NewGrant, refresh: IssuedRefresh | undefined): Promise<{ grantId: string } | 'taken' | 'user_disabled'> {
    return this.sql.transaction(async (q) => {
      const user = await q<{ enabled: boolean }>(`SELECT disabled_at IS NULL AS enabled FROM users WHERE id = $1 FOR SHARE`, [grant.userId]);
      if (!user[0]?.enabled) return 'user_disabled';
      const taken = await q(
        `UPDATE authorization_codes SET used_at = now() WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING code_hash`,
        [codeHash],
      );
      if (taken.length === 0) return 'taken';
      const grantId = await this.insertGrant(q, grant);
      await q(`UPDATE authorization_codes SET grant_id = $2 WHERE code_hash = $1`, [codeHash, grantId]);
      if (refresh) await this.insertRefresh(q, grantId, refresh);
      return { grantId };
    });
  }

  async findRefresh(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const rows = await this.sql.query<RefreshTokenRecord>(
      `SELECT r.grant_id AS "grantId", r.scopes, r.expires_at <= now() AS expired, r.used_at AS "usedAt",
              g.user_id AS "userId", u.login, u.source AS "userSource", g.client_id AS "clientId", g.scopes AS "grantScopes", g.resource,
              g.revoked_at AS "grantRevokedAt", u.disabled_at AS "userDisabledAt"
       FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id JOIN users u ON u.id = g.user_id
       WHERE r.token_hash = $1`,
      [tokenHash],
    );
    return rows[0];
  }

  /**
   * Rotation: the old token is used up (only once, atomically, and only while its grant is live and
   * its user enabled) and its successor stored.
   */
  async rotateRefresh(oldHash: string, next: IssuedRefresh): Promise<boolean> {
    return this.sql.transaction(async (q) => {
      const used = await q(
        `UPDATE refresh_tokens r SET used_at = now()
         WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now()
           AND EXISTS (SELECT 1 FROM grants g JOIN users u ON u.id = g.user_id WHERE g.id = r.grant_id AND g.revoked_at IS NULL AND u.disabled_at IS NULL)
         RETURNING r.grant_id AS "grantId"`,
        [oldHash],
      );
      if (used.length === 0) return false;
      const grantId = (used[0] as { grantId: string }).grantId;
      await this.insertRefresh(q, grantId, next);
      await q(`UPDATE grants SET last_used_at = now() WHERE id = $1`, [grantId]);
      return true;
    });
  }

  private async insertGrant(q: Query, g: NewGrant): Promise<string> {
    const rows = await q(`INSERT INTO grants (user_id, client_id, scopes, resource, last_used_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`, [
      g.userId,
      g.clientId,
      g.scopes,
      g.resource,
    ]);
    return (rows[0] as { id: string }).id;
  }

  private async insertRefresh(q: Query, grantId: string, r: IssuedRefresh): Promise<void> {
    await q(`INSERT INTO refresh_tokens (token_hash, grant_id, scopes, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`, [
      r.hash,
      grantId,
      r.scopes,
      r.ttlSeconds,
    ]);
  }
}
