import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People from a company identity provider (an external authorization server, an OpenID provider, an
 * ID-JAG issuer) are keyed by (issuer, subject): never by email or user name, which can be reassigned.
 */
export class AddFederatedUsers1796008054760 implements MigrationInterface {
  name = 'AddFederatedUsers1796008054760';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN issuer text, ADD COLUMN subject text`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_source_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_source_check CHECK (source IN ('github', 'dev', 'oidc'))`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_oidc_identity_check CHECK ((source = 'oidc') = (issuer IS NOT NULL AND subject IS NOT NULL))`);
    await q.query(`CREATE UNIQUE INDEX users_issuer_subject_uq ON users (issuer, subject) WHERE issuer IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM users WHERE source = 'oidc'`);
    await q.query(`DROP INDEX users_issuer_subject_uq`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_oidc_identity_check`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_source_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_source_check CHECK (source IN ('github', 'dev'))`);
    await q.query(`ALTER TABLE users DROP COLUMN subject, DROP COLUMN issuer`);
  }
}
