import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11 item 14: notes.search filters by owner inside the index. One GIN index on
 * (owner_id, search) (btree_gin supplies the GIN operator class for uuid), so a search reads only
 * the caller's postings instead of every user's matches and filtering by owner afterwards. btree_gin
 * is a trusted extension (PostgreSQL 13+: a database owner may create it); the embedded engine
 * (PGlite) loads it from @electric-sql/pglite/contrib/btree_gin.
 */
export class OwnerScopedNoteSearch1796013000000 implements MigrationInterface {
  name = 'OwnerScopedNoteSearch1796013000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await q.query(`CREATE INDEX notes_owner_search_idx ON notes USING gin (owner_id, search)`);
    await q.query(`DROP INDEX notes_search_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX notes_search_idx ON notes USING gin (search)`);
    await q.query(`DROP INDEX notes_owner_search_idx`);
  }
}
