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

/**
 * Lines concurrent redemptions of a client's codes up for a deterministic race. On real Postgres it
 * holds a row lock on the client's unused codes: each request reads the code as unused, then waits at
 * the single-use UPDATE until `waiters` of them queue there, and they are let go together. The
 * embedded engine runs one statement at a time for all connections (and a held transaction would
 * stall every other connection), so there the gate is open and the requests race in lockstep.
 */
export async function raceGate(clientId: string): Promise<{ whenWaiting(waiters: number): Promise<void>; release(): Promise<void> }> {
  if (process.env.E2E_ENGINE !== 'postgres') return { whenWaiting: async () => undefined, release: async () => undefined };
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  await db.query('BEGIN');
  await db.query(`SELECT code_hash FROM authorization_codes WHERE client_id = $1 AND used_at IS NULL FOR UPDATE`, [clientId]);
  let released = false;
  return {
    async whenWaiting(waiters) {
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%authorization_codes%'`,
        );
        if (rows[0].n >= waiters) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await db.query('ROLLBACK');
      } finally {
        await db.end();
      }
    },
  };
}
