import { NotesRepository, SEARCH_CANDIDATES, SEARCH_SQL } from '../src/notes/notes.repository.js';
import type { SqlService } from '../src/database/sql.service.js';
import { withDb } from './helpers/db.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/**
 * Issue 11 item 14: notes.search is owner-scoped inside the index, on real Postgres and on the
 * embedded engine alike: one GIN index on (owner_id, search) (btree_gin), used with both the owner
 * and the text query as index conditions, so the owner filter is not applied to every user's matches afterwards.
 */
describe('owner-scoped search index (issue 11 item 14)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the migrations create notes_owner_search_idx on (owner_id, search) with btree_gin, and drop the all-users index', async () => {
    await withDb(async (db) => {
      const { rows } = await db.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'notes' ORDER BY 1`,
      );
      const byName = new Map(rows.map((r) => [r.indexname, r.indexdef]));
      expect(byName.get('notes_owner_search_idx')).toMatch(/USING gin \(owner_id, search\)/);
      expect(byName.has('notes_search_idx')).toBe(false);
      const ext = await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'`);
      expect(ext.rowCount).toBe(1);
    });
  });

  it("the search query uses the index with the owner as an index condition, and returns only the caller's notes", async () => {
    const alice = await t.userId(uniqueLogin('search-a'));
    const bob = await t.userId(uniqueLogin('search-b'));
    await withDb(async (db) => {
      await db.query(`INSERT INTO notes (owner_id, title, body) VALUES ($1, 'Quarterly zeppelin report', 'zeppelin'), ($2, 'Bob zeppelin', 'zeppelin')`, [
        alice,
        bob,
      ]);
      const repository = new NotesRepository({
        query: async (text: string, params: unknown[]) => (await db.query(text, params)).rows,
      } as unknown as SqlService);
      const hits = await repository.search(alice, 'zeppelin', 10);
      expect(hits.map((h) => h.title)).toEqual(['Quarterly zeppelin report']);

      // The plan the repository's query gets once the table is large (sequential scans priced out).
      await db.query('BEGIN');
      try {
        await db.query('SET LOCAL enable_seqscan = off');
        // Many of alice's notes without the word: the owner alone no longer selects few rows, so the
        // planner must use the words inside the index (a tiny table would take the (owner, created) btree).
        await db.query(`INSERT INTO notes (owner_id, title, body) SELECT $1, 'note ' || g, 'ordinary words' FROM generate_series(1, 3000) g`, [alice]);
        await db.query('ANALYZE notes');
        const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${SEARCH_SQL}`, [alice, 'zeppelin', 10]);
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan).toContain('notes_owner_search_idx');
        expect(plan).toMatch(/Index Cond: \(\((notes\.)?owner_id = '[0-9a-f-]+'::uuid\) AND \((notes\.)?search @@/);
      } finally {
        await db.query('ROLLBACK');
      }
    });
  });

  it(`ranks a word's ${SEARCH_CANDIDATES} most recent matches (a common word costs ${SEARCH_CANDIDATES} ranks, not one per match)`, async () => {
    const owner = await t.userId(uniqueLogin('search-recent'));
    await withDb(async (db) => {
      // The best match (the word in the title) is the oldest; then SEARCH_CANDIDATES newer matches in the body only.
      await db.query(`INSERT INTO notes (owner_id, title, body, created_at) VALUES ($1, 'walrus walrus', 'walrus', now() - interval '1 day')`, [owner]);
      await db.query(
        `INSERT INTO notes (owner_id, title, body, created_at) SELECT $1, 'note ' || g, 'a walrus here', now() - interval '1 hour' + g * interval '1 second'
         FROM generate_series(1, $2::int) g`,
        [owner, SEARCH_CANDIDATES],
      );
      const repository = new NotesRepository({
        query: async (text: string, params: unknown[]) => (await db.query(text, params)).rows,
      } as unknown as SqlService);
      const hits = await repository.search(owner, 'walrus', 5);
      expect(hits).toHaveLength(5);
      expect(hits.map((h) => h.title)).not.toContain('walrus walrus');
      // Delete one newer match: the old title match is among the most recent candidates again, and ranks first.
      await db.query(`DELETE FROM notes WHERE owner_id = $1 AND title = 'note 1'`, [owner]);
      expect((await repository.search(owner, 'walrus', 5))[0].title).toBe('walrus walrus');
    });
  });
});
