export type DomainErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'conflict'
  | 'forbidden'
  /** An upstream (GitHub) no longer accepts the person's sign-in: they must sign in again. */
  | 'unauthenticated'
  /** An upstream rate limit; the message says when to try again. */
  | 'rate_limited'
  /** An upstream is down or too slow; trying again later may work. */
  | 'unavailable';

/**
 * A problem the caller can fix (bad input, not found). Services throw it; the MCP layer turns it
 * into an `isError` tool result or a JSON-RPC error, the HTTP filter into a 4xx.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
