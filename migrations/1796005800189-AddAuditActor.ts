import type { MigrationInterface, QueryRunner } from 'typeorm';

/** SECURITY 35: audit rows name the acting credential (API key, grant or token) and the user's login. */
export class AddAuditActor1796005800189 implements MigrationInterface {
  name = 'AddAuditActor1796005800189';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events ADD COLUMN login text, ADD COLUMN credential text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events DROP COLUMN credential, DROP COLUMN login`);
  }
}
