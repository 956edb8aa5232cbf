import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity Assertion JWT Authorization Grants already exchanged at /token (RFC 7523 §3 item 7: a
 * `jti` is used once): one row per (issuer, hash of jti), kept until the assertion has expired.
 */
export class CreateIdJagUses1796013600000 implements MigrationInterface {
  name = 'CreateIdJagUses1796013600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE id_jag_uses (
        issuer text NOT NULL,
        jti_hash text NOT NULL,
        client_id text NOT NULL,
        user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (issuer, jti_hash)
      )`);
    await q.query(`CREATE INDEX id_jag_uses_expires_at ON id_jag_uses (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE id_jag_uses`);
  }
}
