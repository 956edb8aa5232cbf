import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';
import { cursorAtSql, type Cursor } from '../cursor.js';
import type { AdminAuditEvent, AuditFilter } from './admin-audit-event.js';

@Injectable()
export class AdminAuditRepository {
  constructor(private readonly sql: SqlService) {}

  /** Newest first, keyset-paginated on (occurred_at, id). */
  find(filter: AuditFilter, after: Cursor | undefined, limit: number): Promise<(AdminAuditEvent & { cursorAt: string })[]> {
    return this.sql.query(
      `SELECT id::text, occurred_at AS "occurredAt", request_id AS "requestId", user_id AS "userId", login, client_id AS "clientId", credential,
              kind, target, outcome, latency_ms AS "latencyMs", detail, ${cursorAtSql('occurred_at')} AS "cursorAt"
       FROM audit_events
       WHERE ($1::uuid IS NULL OR user_id = $1)
         AND ($2::text IS NULL OR client_id = $2)
         AND ($3::text IS NULL OR target = $3)
         AND ($4::text IS NULL OR kind = $4)
         AND ($5::text IS NULL OR outcome = $5)
         AND ($6::timestamptz IS NULL OR occurred_at >= $6)
         AND ($7::timestamptz IS NULL OR occurred_at <= $7)
         AND ($8::timestamptz IS NULL OR (occurred_at, id) < ($8::timestamptz, $9::bigint))
       ORDER BY occurred_at DESC, id DESC
       LIMIT $10`,
      [
        filter.userId ?? null,
        filter.clientId ?? null,
        filter.target ?? null,
        filter.kind ?? null,
        filter.outcome ?? null,
        filter.from ?? null,
        filter.to ?? null,
        after?.at ?? null,
        after?.id ?? null,
        limit,
      ],
    );
  }
}
