import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';
import { cursorAtSql, type Cursor } from '../cursor.js';
import { likePattern } from '../like-pattern.js';
import type { AdminClientDetail, AdminClientSummary, ClientFilter } from './admin-client.js';

const SUMMARY = `c.client_id AS "clientId", c.kind, c.client_name AS "clientName",
  c.token_endpoint_auth_method AS "tokenEndpointAuthMethod", c.grant_types AS "grantTypes", c.scope,
  c.created_at AS "createdAt", c.revoked_at AS "revokedAt", greatest(c.last_used_at, g.last_used_at) AS "lastUsedAt",
  coalesce(g.active, 0)::int AS "activeGrants"`;

const GRANT_STATS = `LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE revoked_at IS NULL) AS active, max(last_used_at) AS last_used_at FROM grants WHERE client_id = c.client_id
  ) g ON true`;

/** OAuth clients as the admin API sees them: every client, filters as parameters, no secret hashes. */
@Injectable()
export class AdminClientsRepository {
  constructor(private readonly sql: SqlService) {}

  /** Newest first, keyset-paginated on (created_at, client_id). */
  list(filter: ClientFilter, after: Cursor | undefined, limit: number): Promise<(AdminClientSummary & { cursorAt: string })[]> {
    return this.sql.query(
      `SELECT ${SUMMARY}, ${cursorAtSql('c.created_at')} AS "cursorAt"
       FROM oauth_clients c ${GRANT_STATS}
       WHERE ($1::text IS NULL OR c.kind = $1)
         AND ($2::boolean IS NULL OR (c.revoked_at IS NOT NULL) = $2)
         AND ($3::text IS NULL OR c.client_name ILIKE $3 OR c.client_id ILIKE $3)
         AND ($4::timestamptz IS NULL OR (c.created_at, c.client_id) < ($4::timestamptz, $5::text))
       ORDER BY c.created_at DESC, c.client_id DESC
       LIMIT $6`,
      [filter.kind ?? null, filter.revoked ?? null, filter.q ? likePattern(filter.q) : null, after?.at ?? null, after?.id ?? null, limit],
    );
  }

  async find(clientId: string): Promise<AdminClientDetail | undefined> {
    const rows = await this.sql.query<AdminClientDetail>(
      `SELECT ${SUMMARY}, c.redirect_uris AS "redirectUris", c.metadata, c.client_secret_hash IS NOT NULL AS "hasSecret",
              c.client_secret_expires_at AS "clientSecretExpiresAt", c.fetched_at AS "fetchedAt"
       FROM oauth_clients c ${GRANT_STATS}
       WHERE c.client_id = $1`,
      [clientId],
    );
    return rows[0];
  }
}
