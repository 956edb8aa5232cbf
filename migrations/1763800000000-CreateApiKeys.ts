import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiKeys1763800000000 implements MigrationInterface {
  name = 'CreateApiKeys1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        key_hash text NOT NULL,
        scopes text[] NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_user_idx ON api_keys (user_id)`);
    await q.query(`ALTER TABLE token_revocations DROP CONSTRAINT token_revocations_kind_check`);
    await q.query(`ALTER TABLE token_revocations ADD CONSTRAINT token_revocations_kind_check CHECK (kind IN ('token', 'grant', 'client', 'user', 'api_key'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM token_revocations WHERE kind = 'api_key'`);
    await q.query(`ALTER TABLE token_revocations DROP CONSTRAINT token_revocations_kind_check`);
    await q.query(`ALTER TABLE token_revocations ADD CONSTRAINT token_revocations_kind_check CHECK (kind IN ('token', 'grant', 'client', 'user'))`);
    await q.query(`DROP TABLE api_keys`);
  }
}
