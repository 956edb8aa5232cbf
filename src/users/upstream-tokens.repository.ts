import { Injectable } from '@nestjs/common';
import { SqlService } from '../database/sql.service.js';

export type UpstreamProvider = 'github' | 'oidc';

/** A stored upstream token row; the `*Sealed` values are SecretBox ciphertexts, never plaintext. */
export interface UpstreamTokenRow {
  accessSealed: string;
  scope: string | null;
  accessExpiresAt: Date | null;
  refreshSealed: string | null;
  refreshExpiresAt: Date | null;
  /** Goes up by one on every write: a renewal is claimed and saved for the version it read. */
  version: number;
}

export interface SealedTokens {
  accessSealed: string;
  scope: string | null;
  accessExpiresAt: Date | null;
  refreshSealed: string | null;
  refreshExpiresAt: Date | null;
}

const COLUMNS = `access_token_encrypted AS "accessSealed", scope, access_token_expires_at AS "accessExpiresAt",
  refresh_token_encrypted AS "refreshSealed", refresh_token_expires_at AS "refreshExpiresAt", version`;

/** The one owner of `upstream_tokens`. Every query takes the user id. */
@Injectable()
export class UpstreamTokensRepository {
  constructor(private readonly sql: SqlService) {}

  /** A new sign-in replaces whatever was stored, and cancels any renewal in progress. */
  async upsert(userId: string, provider: UpstreamProvider, t: SealedTokens): Promise<void> {
    await this.sql.query(
      `INSERT INTO upstream_tokens (user_id, provider, access_token_encrypted, scope, access_token_expires_at, refresh_token_encrypted, refresh_token_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (user_id, provider) DO UPDATE SET access_token_encrypted = EXCLUDED.access_token_encrypted, scope = EXCLUDED.scope,
         access_token_expires_at = EXCLUDED.access_token_expires_at, refresh_token_encrypted = EXCLUDED.refresh_token_encrypted,
         refresh_token_expires_at = EXCLUDED.refresh_token_expires_at, version = upstream_tokens.version + 1,
         refresh_claimed_until = NULL, updated_at = now()`,
      [userId, provider, t.accessSealed, t.scope, t.accessExpiresAt, t.refreshSealed, t.refreshExpiresAt],
    );
  }

  async find(userId: string, provider: UpstreamProvider): Promise<UpstreamTokenRow | undefined> {
    const rows = await this.sql.query<UpstreamTokenRow>(`SELECT ${COLUMNS} FROM upstream_tokens WHERE user_id = $1 AND provider = $2`, [userId, provider]);
    return rows[0];
  }

  /**
   * Claims the renewal of `version` for `leaseSeconds`: race-free across instances (one conditional
   * UPDATE), so exactly one caller spends the refresh token. Returns the sealed refresh token to the winner.
   */
  async claimRefresh(
    userId: string,
    provider: UpstreamProvider,
    version: number,
    leaseSeconds: number,
  ): Promise<{ refreshSealed: string; refreshExpiresAt: Date | null } | undefined> {
    const rows = await this.sql.query<{ refreshSealed: string; refreshExpiresAt: Date | null }>(
      `UPDATE upstream_tokens SET refresh_claimed_until = now() + make_interval(secs => $4)
       WHERE user_id = $1 AND provider = $2 AND version = $3 AND refresh_token_encrypted IS NOT NULL
         AND (refresh_claimed_until IS NULL OR refresh_claimed_until < now())
       RETURNING refresh_token_encrypted AS "refreshSealed", refresh_token_expires_at AS "refreshExpiresAt"`,
      [userId, provider, version, leaseSeconds],
    );
    return rows[0];
  }

  /** Saves renewed tokens if the row is still the version that was claimed; false when a sign-in replaced it meanwhile. */
  async saveRefreshed(userId: string, provider: UpstreamProvider, version: number, t: SealedTokens): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE upstream_tokens SET access_token_encrypted = $4, scope = $5, access_token_expires_at = $6, refresh_token_encrypted = $7,
         refresh_token_expires_at = $8, version = version + 1, refresh_claimed_until = NULL, updated_at = now()
       WHERE user_id = $1 AND provider = $2 AND version = $3 RETURNING version`,
      [userId, provider, version, t.accessSealed, t.scope, t.accessExpiresAt, t.refreshSealed, t.refreshExpiresAt],
    );
    return rows.length > 0;
  }

  /** Gives up a claim (the renewal failed for a passing reason) so that another caller may try. */
  async releaseClaim(userId: string, provider: UpstreamProvider, version: number): Promise<void> {
    await this.sql.query(`UPDATE upstream_tokens SET refresh_claimed_until = NULL WHERE user_id = $1 AND provider = $2 AND version = $3`, [
      userId,
      provider,
      version,
    ]);
  }

  /** Forgets tokens that can no longer be used or renewed (only the version that was seen). */
  async delete(userId: string, provider: UpstreamProvider, version: number): Promise<void> {
    await this.sql.query(`DELETE FROM upstream_tokens WHERE user_id = $1 AND provider = $2 AND version = $3`, [userId, provider, version]);
  }
}
