import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Expiring GitHub App user-to-server tokens: when the access token expires, its refresh token
 * (encrypted like the access token), and a version + claim for single-flight renewal across instances.
 */
export class AddUpstreamTokenRefresh1796007816010 implements MigrationInterface {
  name = 'AddUpstreamTokenRefresh1796007816010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE upstream_tokens ADD COLUMN access_token_expires_at timestamptz`);
    await q.query(`ALTER TABLE upstream_tokens ADD COLUMN refresh_token_encrypted text`);
    await q.query(`ALTER TABLE upstream_tokens ADD COLUMN refresh_token_expires_at timestamptz`);
    await q.query(`ALTER TABLE upstream_tokens ADD COLUMN version integer NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE upstream_tokens ADD COLUMN refresh_claimed_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const column of ['refresh_claimed_until', 'version', 'refresh_token_expires_at', 'refresh_token_encrypted', 'access_token_expires_at']) {
      await q.query(`ALTER TABLE upstream_tokens DROP COLUMN ${column}`);
    }
  }
}
