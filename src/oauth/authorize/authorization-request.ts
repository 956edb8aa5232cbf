export interface AuthorizationRequest {
  idHash: string;
  clientId: string;
  redirectUri: string;
  state: string | null;
  codeChallenge: string;
  scopes: string[];
  resource: string;
  csrfHash: string;
  flowHash: string | null;
  expiresAt: Date;
}
