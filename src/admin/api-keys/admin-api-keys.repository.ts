import { Injectable } from '@nestjs/common';
import type { ApiKeyView } from '../../auth/api-keys/api-key.js';
import { SqlService } from '../../database/sql.service.js';

@Injectable()
export class AdminApiKeysRepository {
  constructor(private readonly sql: SqlService) {}

  /** One key without its hash. */
  async find(id: string): Promise<ApiKeyView | undefined> {
    const rows = await this.sql.query<ApiKeyView>(
      `SELECT k.id, k.name, k.scopes, k.user_id AS "userId", u.login, k.created_by AS "createdBy", k.created_at AS "createdAt",
              k.expires_at AS "expiresAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"
       FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = $1`,
      [id],
    );
    return rows[0];
  }
}
