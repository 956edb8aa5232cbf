/**
 * Transaction-scoped Postgres advisory lock keys. The clean-up lock is taken with
 * `pg_try_advisory_xact_lock` by every clean-up (OAuth rows, idle clients, audit retention), so
 * that with several instances one does the work and the others skip.
 */
export const CLEANUP_LOCK = 7_340_002;
