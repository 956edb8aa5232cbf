import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';
import { cursorAtSql, type Cursor } from '../cursor.js';
import type { AdminGrant, GrantFilter } from './admin-grant.js';

const COLUMNS = `g.id, g.user_id AS "userId", u.login, g.client_id AS "clientId", c.client_name AS "clientName", g.scopes,
  g.resource, g.created_at AS "createdAt", g.last_used_at AS "lastUsedAt", g.revoked_at AS "revokedAt", g.revoked_reason AS "revokedReason"`;
const FROM = `grants g LEFT JOIN users u ON u.id = g.user_id JOIN oauth_clients c ON c.client_id = g.client_id`;

/** Grants (user × client × scopes) across every user, for the admin API. */
@Injectable()
export class AdminGrantsRepository {
  constructor(private readonly sql: SqlService) {}

  /** Newest first, keyset-paginated on (created_at, id). */
  list(filter: GrantFilter, after: Cursor | undefined, limit: number): Promise<(AdminGrant & { cursorAt: string })[]> {
    return this.sql.query(
      `SELECT ${COLUMNS}, ${cursorAtSql('g.created_at')} AS "cursorAt"
       FROM ${FROM}
       WHERE ($1::uuid IS NULL OR g.user_id = $1)
         AND ($2::text IS NULL OR g.client_id = $2)
         AND ($3::text IS NULL OR (g.revoked_at IS NULL) = ($3 = 'active'))
         AND ($4::timestamptz IS NULL OR (g.created_at, g.id) < ($4::timestamptz, $5::uuid))
       ORDER BY g.created_at DESC, g.id DESC
       LIMIT $6`,
      [filter.userId ?? null, filter.clientId ?? null, filter.status ?? null, after?.at ?? null, after?.id ?? null, limit],
    );
  }

  async find(id: string): Promise<AdminGrant | undefined> {
    const rows = await this.sql.query<AdminGrant>(`SELECT ${COLUMNS} FROM ${FROM} WHERE g.id = $1`, [id]);
    return rows[0];
  }
}
