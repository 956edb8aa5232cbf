import type { MigrationInterface, QueryRunner } from 'typeorm';

/** OAuth 2.1 §4.1.3: /token must require redirect_uri exactly when /authorize carried one. */
export class AddRedirectUriGiven1763810000000 implements MigrationInterface {
  name = 'AddRedirectUriGiven1763810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE authorization_requests ADD COLUMN redirect_uri_given boolean NOT NULL DEFAULT true`);
    await q.query(`ALTER TABLE authorization_codes ADD COLUMN redirect_uri_given boolean NOT NULL DEFAULT true`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE authorization_codes DROP COLUMN redirect_uri_given`);
    await q.query(`ALTER TABLE authorization_requests DROP COLUMN redirect_uri_given`);
  }
}
