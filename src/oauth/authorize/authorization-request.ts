export interface AuthorizationRequest {
  idHash: string;
  clientId: string;
  redirectUri: string;
  /** Whether /authorize carried redirect_uri (then /token must repeat it). */
  redirectUriGiven: boolean;
  state: string | null;
  codeChallenge: string;
  scopes: string[];
  resource: string;
  csrfHash: string;
  flowHash: string | null;
  expiresAt: Date;
}
