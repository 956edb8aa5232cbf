export type DomainErrorCode = 'not_found' | 'invalid_input' | 'conflict' | 'forbidden';

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
