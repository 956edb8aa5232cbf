import pg from 'pg';

export default async function globalTeardown() {
  const state = globalThis.__E2E_DB__;
  await state?.embedded?.stop();
  if (state?.adminUrl && state.database) {
    const admin = new pg.Client({ connectionString: state.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${state.database} WITH (FORCE)`);
    await admin.end();
  }
}
