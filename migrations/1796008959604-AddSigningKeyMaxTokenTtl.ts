import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 7 item 13: a retired signing key stays published as long as the longest-lived token it
 * signed (the token CLI's --ttl included). Keys created before this column existed may have signed
 * tokens of up to a day (the longest any signer allowed), so they are kept that long.
 */
export class AddSigningKeyMaxTokenTtl1796008959604 implements MigrationInterface {
  name = 'AddSigningKeyMaxTokenTtl1796008959604';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signing_keys ADD COLUMN max_token_ttl_seconds integer NOT NULL DEFAULT 0`);
    await q.query(`UPDATE signing_keys SET max_token_ttl_seconds = 86400`);
    await q.query(`UPDATE signing_keys SET expires_at = GREATEST(expires_at, retired_at + make_interval(secs => 86400 + 120)) WHERE retired_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signing_keys DROP COLUMN max_token_ttl_seconds`);
  }
}
