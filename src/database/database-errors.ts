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

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT']);

/**
 * The database could not be reached or used right now (network, start-up, shutdown, too many
 * connections, authentication or a missing database that an operator may yet fix): try again later.
 * SQLSTATE classes 08 connection, 28 authorization, 3D invalid catalog, 53 resources, 57 operator.
 */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof DatabaseNotConnectedError) return true;
  const state = sqlState(e);
  if (state) return ['08', '28', '3D', '53', '57'].includes(state.slice(0, 2));
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const message = (e as { message?: unknown } | null)?.message;
  return (
    typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)
  );
}

/** A query before the database is connected (start-up is still waiting for it). */
export class DatabaseNotConnectedError extends Error {
  constructor() {
    super('The database is not connected yet');
    this.name = 'DatabaseNotConnectedError';
  }
}
