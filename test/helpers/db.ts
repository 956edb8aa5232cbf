import pg from 'pg';

/** Runs `fn` with a short-lived connection to the run's database (E2E_DATABASE_URL). */
export async function withDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** Every table of the public schema, each dumped as the text of all its rows. */
export async function dumpAllTables(db: pg.Client): Promise<Record<string, string>> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const dump: Record<string, string> = {};
  for (const { name } of rows) {
    const res = await db.query<{ text: string }>(`SELECT coalesce(string_agg(t::text, E'\\n'), '') AS text FROM "${name.replace(/"/g, '""')}" t`);
    dump[name] = res.rows[0].text;
  }
  return dump;
}

/** Authorization codes ever issued to a client. */
export function codeCount(clientId: string): Promise<number> {
  return withDb(async (db) => Number((await db.query(`SELECT count(*)::int AS n FROM authorization_codes WHERE client_id = $1`, [clientId])).rows[0].n));
}
