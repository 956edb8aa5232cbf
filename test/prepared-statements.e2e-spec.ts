import { SqlService } from '../src/database/sql.service.js';
import { toolCall } from './factories/json-rpc.factory.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

const onPostgres = process.env.E2E_ENGINE === 'postgres';
const LIST_SQL = 'FROM notes WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2';

/** Create, read, list (both pages), update, complete and delete through /mcp; returns what list saw. */
async function exerciseNotes(t: TestApp, login: string): Promise<string[]> {
  const headers = { authorization: `Bearer ${await t.token(login)}` };
  const call = async (name: string, args: Record<string, unknown>) => {
    const res = await t.rpc(toolCall(name, args), headers);
    expect(res.status).toBe(200);
    expect([name, res.body.result.isError ? res.body.result.content : undefined]).toEqual([name, undefined]);
    return res.body.result.structuredContent;
  };
  const ids: string[] = [];
  for (const title of ['first', 'second', 'third']) ids.push((await call('notes.create', { title, body: `${title} body` })).note.id);
  expect((await call('notes.get', { id: ids[0] })).note.title).toBe('first');
  const page = await call('notes.list', { limit: 2 });
  const rest = await call('notes.list', { limit: 2, cursor: page.nextCursor });
  await call('notes.update', { id: ids[1], title: 'second, edited' });
  await call('notes.delete', { id: ids[2] });
  expect((await call('notes.list', { limit: 10 })).notes.map((n: { title: string }) => n.title)).toEqual(['second, edited', 'first']);
  return [...page.notes, ...rest.notes].map((n: { title: string }) => n.title);
}

/** The statements prepared on the app's only connection (DB_POOL_MAX=1). */
async function preparedOnTheConnection(t: TestApp): Promise<string[]> {
  const rows = await t.app.get(SqlService).query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
  return rows.map((r) => r.statement.replace(/\s+/g, ' '));
}

describe('prepared statements (DB_PREPARED_STATEMENTS)', () => {
  it('on Postgres the notes tools run as named statements, prepared once on each connection; the embedded engine (one session for every connection) runs them unnamed', async () => {
    const t = await startTestApp({ DB_POOL_MAX: '1' });
    try {
      expect(t.app.get(SqlService).preparesStatements).toBe(onPostgres);
      expect(await exerciseNotes(t, uniqueLogin('prep'))).toEqual(['third', 'second', 'first']);
      // A second user on the same connection reuses the statements: same results, no "already exists".
      expect(await exerciseNotes(t, uniqueLogin('prep2'))).toEqual(['third', 'second', 'first']);
      const prepared = await preparedOnTheConnection(t);
      if (onPostgres) {
        expect(prepared.filter((s) => s.includes(LIST_SQL))).toHaveLength(1);
        expect(prepared.filter((s) => s.startsWith('INSERT INTO notes'))).toHaveLength(1);
      } else {
        expect(prepared.filter((s) => s.includes('FROM notes'))).toEqual([]);
      }
    } finally {
      await t.close();
    }
  });

  it('DB_PREPARED_STATEMENTS=false: the same calls, and nothing prepared', async () => {
    const t = await startTestApp({ DB_POOL_MAX: '1', DB_PREPARED_STATEMENTS: 'false' });
    try {
      expect(t.app.get(SqlService).preparesStatements).toBe(false);
      expect(await exerciseNotes(t, uniqueLogin('unprep'))).toEqual(['third', 'second', 'first']);
      expect((await preparedOnTheConnection(t)).filter((s) => s.includes('FROM notes'))).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('many users at once on a pool of ten connections: every call answered, each user sees only their notes', async () => {
    const t = await startTestApp({ DB_POOL_MAX: '10' });
    try {
      const logins = Array.from({ length: 12 }, () => uniqueLogin('prepmany'));
      const seen = await Promise.all(logins.map((login) => exerciseNotes(t, login)));
      expect(seen).toEqual(logins.map(() => ['third', 'second', 'first']));
    } finally {
      await t.close();
    }
  });
});
