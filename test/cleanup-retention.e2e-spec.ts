import { registerClient } from './factories/oauth-client.factory.js';
import { withDb } from './helpers/db.js';
import { signInForTokens } from './helpers/oauth-flow.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { AuditRetentionTask } from '../src/audit/audit-retention.task.js';
import { CLEANUP_LOCK } from '../src/database/advisory-locks.js';
import { OAuthCleanupTask } from '../src/oauth/cleanup.task.js';
import { IdJagUsesRepository } from '../src/oauth/id-jag/id-jag-uses.repository.js';

/** Issue 7 item 11: idle dynamic clients and old audit events do not pile up for ever. */
describe('clean-up: idle dynamic clients and audit retention (issue 7 item 11)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const backdate = (clientId: string, days: number, lastUsedDays?: number) =>
    withDb((db) =>
      db.query(
        `UPDATE oauth_clients SET created_at = now() - make_interval(days => $2),
           last_used_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(days => $3::int) END WHERE client_id = $1`,
        [clientId, days, lastUsedDays ?? null],
      ),
    );
  const exists = (clientId: string) => withDb(async (db) => (await db.query(`SELECT 1 FROM oauth_clients WHERE client_id = $1`, [clientId])).rowCount === 1);

  describe('dynamic clients with no grant and no use for CLIENT_IDLE_DAYS (30) are deleted', () => {
    it('deletes only idle, grant-less dynamic clients; their pending requests go with them', async () => {
      const idle = await registerClient(t);
      const idleWithPending = await registerClient(t);
      const recent = await registerClient(t);
      const usedLately = await registerClient(t);
      const withGrant = await registerClient(t);
      await signInForTokens(t, { client: withGrant });
      await backdate(idle.client_id, 31);
      await backdate(idleWithPending.client_id, 31);
      await withDb((db) =>
        db.query(
          `INSERT INTO authorization_requests (id_hash, client_id, redirect_uri, code_challenge, scopes, resource, csrf_hash, expires_at)
           VALUES ($1, $2, 'http://127.0.0.1:1/cb', 'c', '{}', 'r', 'h', now() + interval '10 minutes')`,
          [`pending-${idleWithPending.client_id}`, idleWithPending.client_id],
        ),
      );
      await backdate(recent.client_id, 29);
      await backdate(usedLately.client_id, 60, 2);
      await backdate(withGrant.client_id, 400, 365);

      const counts = await t.app.get(OAuthCleanupTask).run();
      expect(counts?.oauth_clients).toBeGreaterThanOrEqual(2);
      expect(await exists(idle.client_id)).toBe(false);
      expect(await exists(idleWithPending.client_id)).toBe(false);
      expect(await exists(recent.client_id)).toBe(true);
      expect(await exists(usedLately.client_id)).toBe(true);
      expect(await exists(withGrant.client_id)).toBe(true);
      const pending = await withDb((db) => db.query(`SELECT 1 FROM authorization_requests WHERE client_id = $1`, [idleWithPending.client_id]));
      expect(pending.rowCount).toBe(0);
    });

    it('CLIENT_IDLE_DAYS sets the threshold', async () => {
      const short = await startTestApp({ CLIENT_IDLE_DAYS: '3' });
      try {
        const client = await registerClient(short);
        await backdate(client.client_id, 4);
        await short.app.get(OAuthCleanupTask).run();
        expect(await exists(client.client_id)).toBe(false);
      } finally {
        await short.close();
      }
    });
  });

  describe('audit events older than AUDIT_RETENTION_DAYS (90) are deleted in batches under the advisory lock', () => {
    const marker = `retention-${process.pid}-${Date.now()}`;
    const insertAged = (n: number, days: number, tag: string) =>
      withDb((db) =>
        db.query(
          `INSERT INTO audit_events (occurred_at, kind, target, outcome)
           SELECT now() - make_interval(days => $2), 'auth', $3, 'ok' FROM generate_series(1, $1)`,
          [n, days, `${marker}-${tag}`],
        ),
      );
    const count = (tag: string) =>
      withDb(async (db) => Number((await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE target = $1`, [`${marker}-${tag}`])).rows[0].n));

    it('12 rows of 91 days go in batches of 5; rows of 89 days stay', async () => {
      await insertAged(12, 91, 'old');
      await insertAged(3, 89, 'young');
      const deleted = await t.app.get(AuditRetentionTask).run(5);
      expect(deleted).toBeGreaterThanOrEqual(12);
      expect(await count('old')).toBe(0);
      expect(await count('young')).toBe(3);
    });

    // The embedded engine is one Postgres session behind every connection (advisory locks are per
    // session, and an open transaction holds the engine), so a second holder of the lock exists only
    // on real Postgres (npm run test:e2e with TEST_DATABASE_URL). On the embedded engine two
    // instances running at once must still delete each row exactly once.
    if (process.env.E2E_ENGINE === 'postgres') {
      it('while another instance holds the clean-up lock, nothing is deleted (real Postgres)', async () => {
        await insertAged(4, 120, 'locked');
        await withDb(async (db) => {
          await db.query('BEGIN');
          await db.query('SELECT pg_advisory_xact_lock($1)', [CLEANUP_LOCK]);
          try {
            expect(await t.app.get(AuditRetentionTask).run(5)).toBeUndefined();
            expect(await t.app.get(OAuthCleanupTask).run()).toBeUndefined();
            expect(await count('locked')).toBe(4);
          } finally {
            await db.query('ROLLBACK');
          }
        });
        await t.app.get(AuditRetentionTask).run(5);
        expect(await count('locked')).toBe(0);
      });
    } else {
      it('two instances running retention at once delete every old row, and each only once (embedded engine)', async () => {
        await insertAged(23, 120, 'concurrent');
        const other = await startTestApp();
        try {
          const runs = await Promise.all([t.app.get(AuditRetentionTask).run(5), other.app.get(AuditRetentionTask).run(5)]);
          expect(runs.reduce<number>((a, b) => a + (b ?? 0), 0)).toBeGreaterThanOrEqual(23);
          expect(await count('concurrent')).toBe(0);
        } finally {
          await other.close();
        }
      });
    }
  });

  describe('used ID-JAG ids (issue 9 §3): each once, forgotten after the assertion expired', () => {
    const use = (jtiHash: string, userId: string, expiresAt: Date) =>
      t.app.get(IdJagUsesRepository).consume({ issuer: 'https://idp.example.com', jtiHash, clientId: 'mcp_client', userId, expiresAt });
    const stored = (jtiHash: string) => withDb(async (db) => (await db.query(`SELECT 1 FROM id_jag_uses WHERE jti_hash = $1`, [jtiHash])).rowCount === 1);

    it('of ten concurrent uses of one jti exactly one wins; a disabled user’s assertion is not used up', async () => {
      const userId = await t.userId(`idjag-${process.pid}`);
      const jti = `race-${process.pid}-${Date.now()}`;
      const results = await Promise.all(Array.from({ length: 10 }, () => use(jti, userId, new Date(Date.now() + 60_000))));
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r === 'replayed')).toHaveLength(9);
      // The same jti at another issuer is another assertion.
      const other = await t.app
        .get(IdJagUsesRepository)
        .consume({ issuer: 'https://other-idp.example.com', jtiHash: jti, clientId: 'mcp_client', userId, expiresAt: new Date(Date.now() + 60_000) });
      expect(other).toBe('ok');
      await withDb((db) => db.query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [userId]));
      expect(await use(`disabled-${jti}`, userId, new Date(Date.now() + 60_000))).toBe('user_disabled');
      expect(await stored(`disabled-${jti}`)).toBe(false);
    });

    it('the clean-up deletes expired rows and keeps live ones', async () => {
      const userId = await t.userId(`idjag-cleanup-${process.pid}`);
      const expired = `expired-${process.pid}-${Date.now()}`;
      const live = `live-${process.pid}-${Date.now()}`;
      expect(await use(expired, userId, new Date(Date.now() - 1000))).toBe('ok');
      expect(await use(live, userId, new Date(Date.now() + 60_000))).toBe('ok');
      const counts = await t.app.get(OAuthCleanupTask).run();
      expect(counts?.id_jag_uses).toBeGreaterThanOrEqual(1);
      expect(await stored(expired)).toBe(false);
      expect(await stored(live)).toBe(true);
    });
  });
});
