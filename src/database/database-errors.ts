/**
 * What a failed query means, from the error the `pg` driver gives: the server rejected the data
 * (SQLSTATE class 22 data exception, 23 integrity constraint, 54 program limit), or the database
 * could not be used at all (no server answer, or a connection/operator/resource class), which is
 * worth retrying later. PostgreSQL Appendix A lists the classes.
 */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The statement was refused because of the values it carried; the same values will always fail. */
export function isDataRejection(e: unknown): boolean {
  const state = sqlState(e);
  return state !== undefined && ['22', '23', '54'].includes(state.slice(0, 2));
}
