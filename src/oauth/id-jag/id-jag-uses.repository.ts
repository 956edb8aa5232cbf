import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';

export interface IdJagUse {
  issuer: string;
  /** sha256 of the assertion's jti. */
  jtiHash: string;
  clientId: string;
  userId: string;
  /** Until when the assertion could be presented (its exp plus the clock skew). */
  expiresAt: Date;
}

/** The ID-JAGs already exchanged, one row per (issuer, jti), kept until they have expired. */
@Injectable()
export class IdJagUsesRepository {
  constructor(private readonly sql: SqlService) {}

  /**
   * Records the use of an assertion, only once (RFC 7523 §3 item 7): the insert on the primary key is
   * the race-free step, so of two concurrent presentations exactly one wins. `user_disabled` when the
   * person is disabled (their row is share-locked, so a concurrent disable waits for this to finish).
   */
  async consume(use: IdJagUse): Promise<'ok' | 'replayed' | 'user_disabled'> {
    return this.sql.transaction(async (q) => {
      const user = await q<{ enabled: boolean }>(`SELECT disabled_at IS NULL AS enabled FROM users WHERE id = $1 FOR SHARE`, [use.userId]);
      if (!user[0]?.enabled) return 'user_disabled';
      const inserted = await q(
        `INSERT INTO id_jag_uses (issuer, jti_hash, client_id, user_id, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (issuer, jti_hash) DO NOTHING RETURNING 1`,
        [use.issuer, use.jtiHash, use.clientId, use.userId, use.expiresAt],
      );
      return inserted.length === 1 ? 'ok' : 'replayed';
    });
  }
}
