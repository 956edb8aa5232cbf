import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clients an administrator registers through POST /admin/clients (kind `admin`): the way to a
 * confidential client, an ID-JAG client say, when open registration is off (DCR_ENABLED=false).
 * Unlike self-registered (`dcr`) clients they are not removed when idle.
 */
export class AddAdminRegisteredClients1796040000000 implements MigrationInterface {
  name = 'AddAdminRegisteredClients1796040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE oauth_clients DROP CONSTRAINT oauth_clients_kind_check`);
    await q.query(`ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_kind_check CHECK (kind IN ('dcr', 'cimd', 'static', 'admin'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM oauth_clients WHERE kind = 'admin'`);
    await q.query(`ALTER TABLE oauth_clients DROP CONSTRAINT oauth_clients_kind_check`);
    await q.query(`ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_kind_check CHECK (kind IN ('dcr', 'cimd', 'static'))`);
  }
}
