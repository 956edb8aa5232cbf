/** The authenticated caller: a stable internal user id (never the mutable upstream login). */
export interface Principal {
  userId: string;
  login: string;
}

export interface RequestContext {
  requestId: string;
  principal?: Principal;
  clientId?: string;
  scopes: ReadonlySet<string>;
  /** How the caller authenticated. */
  authMethod?: 'jwt' | 'api_key';
  /**
   * The acting credential, as audit rows name it: `api_key:<id>`, `grant:<id>` (an access token of a
   * grant) or `token:<jti>` (an access token without one: client credentials, the dev CLI).
   */
  credential?: string;
  /** Token id and grant id, for audit and revocation. */
  tokenId?: string;
  grantId?: string;
  /** What the current tool call acts on (e.g. a GitHub repository), added to its audit target. */
  auditResource?: string;
}
