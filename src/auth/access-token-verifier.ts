export interface VerifiedAccessToken {
  userId?: string;
  login?: string;
  clientId: string;
  scopes: ReadonlySet<string>;
  tokenId: string;
  grantId?: string;
  expiresAt: number;
  /**
   * The verifier itself decided the privileged scopes (AUTH_MODE=external: the admin claim, read at
   * verification); otherwise they are re-checked against ADMIN_GITHUB_LOGINS on every use.
   */
  privilegesChecked?: boolean;
}

/** A bearer token that is not acceptable; the message says why (it goes into the 401's error_description). */
export class InvalidAccessTokenError extends Error {}

/**
 * Verifies the bearer tokens /mcp and the REST API accept: this server's own JWTs (AUTH_MODE=builtin,
 * AccessTokenService) or a company authorization server's (AUTH_MODE=external, ExternalTokenVerifier).
 * Throws InvalidAccessTokenError for anything not acceptable.
 */
export abstract class AccessTokenVerifier {
  abstract verify(token: string): Promise<VerifiedAccessToken>;
}
