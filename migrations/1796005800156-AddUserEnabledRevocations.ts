import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A disabled user can be enabled again: `user_enabled` announcements tell every instance to accept the
 * user's new tokens (a `user` announcement now lasts until then).
 */
export class AddUserEnabledRevocations1796005800156 implements MigrationInterface {
  name = 'AddUserEnabledRevocations1796005800156';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE token_revocations DROP CONSTRAINT token_revocations_kind_check`);
    await q.query(
      `ALTER TABLE token_revocations ADD CONSTRAINT token_revocations_kind_check CHECK (kind IN ('token', 'grant', 'client', 'user', 'api_key', 'user_enabled'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM token_revocations WHERE kind = 'user_enabled'`);
    await q.query(`ALTER TABLE token_revocations DROP CONSTRAINT token_revocations_kind_check`);
    await q.query(`ALTER TABLE token_revocations ADD CONSTRAINT token_revocations_kind_check CHECK (kind IN ('token', 'grant', 'client', 'user', 'api_key'))`);
  }
}
