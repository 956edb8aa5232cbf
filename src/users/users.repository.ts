import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SqlService } from '../database/sql.service.js';
import { UserEntity } from './user.entity.js';

const USER_COLUMNS = `id, source, github_id AS "githubId", login, name, issuer, subject, created_at AS "createdAt",
  last_login_at AS "lastLoginAt", disabled_at AS "disabledAt", sign_in_claims AS "signInClaims", sign_in_checked_at AS "signInCheckedAt"`;

@Injectable()
export class UsersRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: SqlService,
  ) {}

  /** Finds or creates the local (dev sign-in) user with this login; race-free on the unique index. */
  async upsertDevUser(login: string): Promise<UserEntity> {
    const rows = await this.sql.query<UserEntity>(
      `INSERT INTO users (source, login, last_login_at) VALUES ('dev', $1, now())
       ON CONFLICT (lower(login)) WHERE source = 'dev' DO UPDATE SET last_login_at = now()
       RETURNING ${USER_COLUMNS}`,
      [login],
    );
    return rows[0];
  }

  /** Finds or creates the user for a GitHub account, keyed by the immutable numeric id (logins can change). */
  async upsertGithubUser(githubId: string, login: string, name: string | null): Promise<UserEntity> {
    const rows = await this.sql.query<UserEntity>(
      `INSERT INTO users (source, github_id, login, name, last_login_at) VALUES ('github', $1, $2, $3, now())
       ON CONFLICT (github_id) WHERE github_id IS NOT NULL DO UPDATE SET login = EXCLUDED.login, name = EXCLUDED.name, last_login_at = now()
       RETURNING ${USER_COLUMNS}`,
      [githubId, login, name],
    );
    return rows[0];
  }

  /**
   * Finds or creates the user for (issuer, subject) at a company identity provider; the display login
   * and name follow the provider, the key never changes. Race-free on the unique index.
   */
  async upsertFederatedUser(issuer: string, subject: string, login: string, name: string | null): Promise<UserEntity> {
    const rows = await this.sql.query<UserEntity>(
      `INSERT INTO users (source, issuer, subject, login, name, last_login_at) VALUES ('oidc', $1, $2, $3, $4, now())
       ON CONFLICT (issuer, subject) WHERE issuer IS NOT NULL
       DO UPDATE SET login = EXCLUDED.login, name = EXCLUDED.name, last_login_at = now()
       RETURNING ${USER_COLUMNS}`,
      [issuer, subject, login, name],
    );
    return rows[0];
  }

  /**
   * The same (issuer, subject) user as upsertFederatedUser, for an identity assertion (ID-JAG): its
   * claims may be fewer than a sign-in's, so the display login and name change only when it carries them.
   */
  async upsertAssertedUser(issuer: string, subject: string, login: string, name: string | null, loginFromClaims: boolean): Promise<UserEntity> {
    const rows = await this.sql.query<UserEntity>(
      `INSERT INTO users (source, issuer, subject, login, name, last_login_at) VALUES ('oidc', $1, $2, $3, $4, now())
       ON CONFLICT (issuer, subject) WHERE issuer IS NOT NULL
       DO UPDATE SET login = CASE WHEN $5::boolean THEN EXCLUDED.login ELSE users.login END, name = COALESCE(EXCLUDED.name, users.name), last_login_at = now()
       RETURNING ${USER_COLUMNS}`,
      [issuer, subject, login, name, loginFromClaims],
    );
    return rows[0];
  }

  /** Records what the identity provider just confirmed about the person (OIDC sign-in or refresh). */
  async saveSignInClaims(userId: string, claims: object): Promise<void> {
    await this.sql.query(`UPDATE users SET sign_in_claims = $2, sign_in_checked_at = now() WHERE id = $1`, [userId, JSON.stringify(claims)]);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ id });
  }
}
