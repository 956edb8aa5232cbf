import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';
import { cursorAtSql, type Cursor } from '../cursor.js';
import { likePattern } from '../like-pattern.js';
import type { AdminUser, UserFilter } from './admin-user.js';

const COLUMNS = `u.id, u.source, u.github_id::text AS "githubId", u.login, u.name, u.issuer, u.subject, u.created_at AS "createdAt",
  u.last_login_at AS "lastLoginAt", u.disabled_at AS "disabledAt",
  (SELECT count(*) FROM grants g WHERE g.user_id = u.id AND g.revoked_at IS NULL)::int AS "activeGrants"`;

@Injectable()
export class AdminUsersRepository {
  constructor(private readonly sql: SqlService) {}

  /** Newest first, keyset-paginated on (created_at, id). */
  list(filter: UserFilter, after: Cursor | undefined, limit: number): Promise<(AdminUser & { cursorAt: string })[]> {
    return this.sql.query(
      `SELECT ${COLUMNS}, ${cursorAtSql('u.created_at')} AS "cursorAt"
       FROM users u
       WHERE ($1::text IS NULL OR u.login ILIKE $1 OR u.name ILIKE $1 OR u.subject ILIKE $1)
         AND ($2::boolean IS NULL OR (u.disabled_at IS NOT NULL) = $2)
         AND ($3::timestamptz IS NULL OR (u.created_at, u.id) < ($3::timestamptz, $4::uuid))
       ORDER BY u.created_at DESC, u.id DESC
       LIMIT $5`,
      [filter.q ? likePattern(filter.q) : null, filter.disabled ?? null, after?.at ?? null, after?.id ?? null, limit],
    );
  }

  async find(id: string): Promise<AdminUser | undefined> {
    const rows = await this.sql.query<AdminUser>(`SELECT ${COLUMNS} FROM users u WHERE u.id = $1`, [id]);
    return rows[0];
  }
}
