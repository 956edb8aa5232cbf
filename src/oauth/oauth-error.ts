import { HttpErrorWithHeaders } from '../common/errors/http-error-with-headers.exception.js';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'unsupported_token_type'
  | 'server_error';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/**
 * RFC 6749 §5.2 error response: `{error, error_description}` with status 400, or 401 for
 * invalid_client (with a Basic challenge when the client tried HTTP Basic, §5.2).
 */
export class OAuthError extends HttpErrorWithHeaders {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    opts: { status?: number; basicChallenge?: boolean } = {},
  ) {
    const status = opts.status ?? (code === 'invalid_client' ? 401 : code === 'server_error' ? 500 : 400);
    super(
      status,
      { error: code, error_description: description },
      {
        ...NO_STORE,
        ...(opts.basicChallenge ? { 'WWW-Authenticate': 'Basic realm="secure-mcp-server", charset="UTF-8"' } : {}),
      },
    );
  }
}
