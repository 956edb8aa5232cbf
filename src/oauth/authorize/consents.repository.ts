import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';

/** What each user has approved for each client; a later approval widens it. */
@Injectable()
export class ConsentsRepository {
  constructor(private readonly sql: SqlService) {}

  async covers(userId: string, clientId: string, scopes: readonly string[]): Promise<boolean> {
    const rows = await this.sql.query(`SELECT 1 FROM consents WHERE user_id = $1 AND client_id = $2 AND scopes @> $3::text[]`, [userId, clientId, scopes]);
    return rows.length > 0;
  }

  async record(userId: string, clientId: string, scopes: readonly string[]): Promise<void> {
    await this.sql.query(
      `INSERT INTO consents (user_id, client_id, scopes) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, client_id) DO UPDATE
         SET scopes = ARRAY(SELECT DISTINCT unnest(consents.scopes || EXCLUDED.scopes)), granted_at = now()`,
      [userId, clientId, scopes],
    );
  }
}
