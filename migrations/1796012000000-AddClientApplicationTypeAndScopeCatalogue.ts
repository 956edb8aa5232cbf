import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 8 item 6.
 * - `application_type` (OpenID Connect Dynamic Client Registration §2, accepted at RFC 7591
 *   registration and in Client ID Metadata Documents): `web` or `native`, null when not given.
 * - `scopes_offered_at_registration`: the scopes this server offered when the client registered. A
 *   registered `scope` limits the client only among those, so a scope a team adds later can still be
 *   granted to an existing registration. Clients registered before this column existed get their own
 *   registered scope as the catalogue: every scope beyond it counts as added later.
 */
export class AddClientApplicationTypeAndScopeCatalogue1796012000000 implements MigrationInterface {
  name = 'AddClientApplicationTypeAndScopeCatalogue1796012000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE oauth_clients ADD COLUMN application_type text CHECK (application_type IN ('web', 'native'))`);
    await q.query(`ALTER TABLE oauth_clients ADD COLUMN scopes_offered_at_registration text[]`);
    await q.query(`UPDATE oauth_clients SET scopes_offered_at_registration = string_to_array(scope, ' ') WHERE scope IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE oauth_clients DROP COLUMN scopes_offered_at_registration`);
    await q.query(`ALTER TABLE oauth_clients DROP COLUMN application_type`);
  }
}
