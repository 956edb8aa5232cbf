import { Injectable } from '@nestjs/common';
import { SqlService } from '../../database/sql.service.js';
import type { ApiKeyRecord } from './api-key.js';

const COLUMNS = `k.id, k.name, k.key_hash AS "keyHash", k.scopes, k.user_id AS "userId", u.login, k.created_by AS "createdBy",
  k.created_at AS "createdAt", k.expires_at AS "expiresAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt",
  u.disabled_at AS "userDisabledAt"`;

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly sql: SqlService) {}

  async insert(k: { name: string; keyHash: string; scopes: string[]; userId: string; createdBy: string | null; expiresAt: Date | null }): Promise<string> {
    const rows = await this.sql.query<{ id: string }>(
      `INSERT INTO api_keys (name, key_hash, scopes, user_id, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [k.name, k.keyHash, k.scopes, k.userId, k.createdBy, k.expiresAt],
    );
    return rows[0].id;
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    const rows = await this.sql.query<ApiKeyRecord>(`SELECT ${COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = $1`, [id]);
    return rows[0];
  }

  list(filter: { userId?: string; includeRevoked?: boolean }): Promise<ApiKeyRecord[]> {
    return this.sql.query<ApiKeyRecord>(
      `SELECT ${COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id
       WHERE ($1::uuid IS NULL OR k.user_id = $1) AND ($2 OR k.revoked_at IS NULL) ORDER BY k.created_at DESC LIMIT 500`,
      [filter.userId ?? null, filter.includeRevoked ?? false],
    );
  }

  async touch(id: string): Promise<void> {
    await this.sql.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [id]);
  }
}
