import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';

export interface AuthorizationCode {
  codeHash: string;
  clientId: string;
  userId: string;
  login: string;
  /** github, dev or oidc: whose rules decide the privileged scopes. */
  userSource: string;
  redirectUri: string;
  redirectUriGiven: boolean;
  codeChallenge: string;
  scopes: string[];
  resource: string;
  expired: boolean;
  usedAt: Date | null;
  grantId: string | null;
  userDisabledAt: Date | null;
}

const COLUMNS = `c.code_hash AS "codeHash", c.client_id AS "clientId", c.user_id AS "userId", u.login, u.source AS "userSource", c.redirect_uri AS "redirectUri", c.redirect_uri_given AS "redirectUriGiven",
  c.code_challenge AS "codeChallenge", c.scopes, c.resource, c.expires_at <= now() AS expired, c.used_at AS "usedAt", c.grant_id AS "grantId",
  u.disabled_at AS "userDisabledAt"`;

/** Authorization codes, stored only as SHA-256 hashes. */
@Injectable()
export class AuthorizationCodesRepository {
  constructor(private readonly sql: SqlService) {}

  async insert(c: Omit<AuthorizationCode, 'login' | 'userSource' | 'expired' | 'usedAt' | 'grantId' | 'userDisabledAt'>, ttlSeconds: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO authorization_codes (code_hash, client_id, user_id, redirect_uri, redirect_uri_given, code_challenge, scopes, resource, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))`,
      [c.codeHash, c.clientId, c.userId, c.redirectUri, c.redirectUriGiven, c.codeChallenge, c.scopes, c.resource, ttlSeconds],
    );
  }

  async find(codeHash: string): Promise<AuthorizationCode | undefined> {
    const rows = await this.sql.query<AuthorizationCode>(
      `SELECT ${COLUMNS} FROM authorization_codes c JOIN users u ON u.id = c.user_id WHERE c.code_hash = $1`,
      [codeHash],
    );
    return rows[0];
  }
}
