import type { DomainErrorCode } from '../common/errors/domain-error.js';

export interface DomainErrorMapping {
  /** HTTP status on REST routes. */
  status: number;
  /** The `error` code of the `{error, error_description}` body (RFC 6749 §5.2 style, like every 4xx of this server). */
  error: string;
  /** JSON-RPC error code when a resource read or prompt fails with it (tools report it as an `isError` result). */
  rpcCode: number;
}

/**
 * The one table that turns a domain error into a response: REST routes (HttpErrorFilter and the admin
 * filter) and /mcp (ErrorMapperService) read it, so a code means the same everywhere.
 * MCP 2026-07-28 server/resources: a missing resource is -32602 Invalid params (with data.uri).
 */
export const DOMAIN_ERRORS: Readonly<Record<DomainErrorCode, DomainErrorMapping>> = {
  invalid_input: { status: 400, error: 'invalid_request', rpcCode: -32602 },
  forbidden: { status: 403, error: 'forbidden', rpcCode: -32600 },
  not_found: { status: 404, error: 'not_found', rpcCode: -32602 },
  conflict: { status: 409, error: 'conflict', rpcCode: -32600 },
  // Upstream (GitHub) outcomes: sign in again, retry later. JSON-RPC §5.1: -32000..-32099 are server-defined.
  unauthenticated: { status: 401, error: 'unauthenticated', rpcCode: -32600 },
  rate_limited: { status: 429, error: 'rate_limited', rpcCode: -32000 },
  unavailable: { status: 503, error: 'unavailable', rpcCode: -32000 },
};
