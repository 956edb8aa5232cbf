/**
 * What a row of `token_revocations` announces: one access token, a grant, a client, a user (disabled)
 * or an API key revoked; or a disabled user enabled again (`user_enabled`).
 */
export type RevocationKind = 'token' | 'grant' | 'client' | 'user' | 'api_key' | 'user_enabled';

/** An announced revocation, as every instance applies it. `revokedAt` is in epoch seconds. */
export interface RevocationRow {
  id: string;
  kind: RevocationKind;
  subject: string;
  revokedAt: number;
}

/** What a credential is checked against: its ids and when it was issued. */
export interface RevocationSubject {
  tokenId?: string;
  grantId?: string;
  clientId?: string;
  userId?: string;
  apiKeyId?: string;
  /** Issued-at, seconds: a client or user revoked at or after this time invalidates the token. */
  issuedAt: number;
}

/** The user is the last enabled administrator: disabling them would lock every administrator out. */
export const LAST_ADMIN = 'last_admin';

/** The Postgres channel that carries revocation row ids. */
export const REVOCATION_CHANNEL = 'token_revocations';
