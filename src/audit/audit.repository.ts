import { Injectable } from '@nestjs/common';
import { CLEANUP_LOCK } from '../database/advisory-locks.js';
import { SqlService } from '../database/sql.service.js';
import type { AuditEvent } from './audit-event.js';

@Injectable()
export class AuditRepository {
  constructor(private readonly sql: SqlService) {}

  /** One INSERT for the whole batch. */
  async insertMany(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.sql.query(
      `INSERT INTO audit_events (occurred_at, request_id, user_id, client_id, kind, target, outcome, latency_ms, detail, login, credential)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::jsonb[], $10::text[], $11::text[])`,
      [
        events.map((e) => e.occurredAt),
        events.map((e) => e.requestId ?? null),
        events.map((e) => e.userId ?? null),
        events.map((e) => e.clientId ?? null),
        events.map((e) => e.kind),
        events.map((e) => e.target),
        events.map((e) => e.outcome),
        events.map((e) => (e.latencyMs === undefined ? null : Math.round(e.latencyMs))),
        events.map((e) => (e.detail ? JSON.stringify(e.detail) : null)),
        events.map((e) => e.login ?? null),
        events.map((e) => e.credential ?? null),
      ],
    );
  }

  /**
   * Deletes up to `limit` events older than `days`, in one transaction under the clean-up advisory
   * lock. Returns how many, or undefined when another instance holds the lock.
   */
  async deleteOlderThan(days: number, limit: number): Promise<number | undefined> {
    return this.sql.transaction(async (q) => {
      const [{ locked }] = await q<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [CLEANUP_LOCK]);
      if (!locked) return undefined;
      const rows = await q(
        `DELETE FROM audit_events WHERE id IN (
           SELECT id FROM audit_events WHERE occurred_at < now() - make_interval(days => $1) ORDER BY occurred_at LIMIT $2)
         RETURNING 1`,
        [days, limit],
      );
      return rows.length;
    });
  }
}
