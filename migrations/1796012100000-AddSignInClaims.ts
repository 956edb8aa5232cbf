import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an OpenID Connect sign-in said about the person (verified email, groups), and when the provider
 * last confirmed it: allow-lists and admin groups are re-checked against it at every refresh.
 */
export class AddSignInClaims1796012100000 implements MigrationInterface {
  name = 'AddSignInClaims1796012100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN sign_in_claims jsonb, ADD COLUMN sign_in_checked_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN sign_in_checked_at, DROP COLUMN sign_in_claims`);
  }
}
