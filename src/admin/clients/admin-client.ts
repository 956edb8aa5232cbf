import type { ClientKind } from '../../oauth/clients/oauth-client.js';

export interface AdminClientSummary {
  clientId: string;
  kind: ClientKind;
  clientName: string | null;
  tokenEndpointAuthMethod: string;
  grantTypes: string[];
  scope: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  /** The latest use of the client itself or of any of its grants (code exchange, refresh). */
  lastUsedAt: Date | null;
  activeGrants: number;
}

/** Registration data, never the secret's hash. */
export interface AdminClientDetail extends AdminClientSummary {
  redirectUris: string[];
  metadata: Record<string, unknown>;
  hasSecret: boolean;
  clientSecretExpiresAt: Date | null;
  fetchedAt: Date | null;
}

export interface ClientFilter {
  kind?: ClientKind;
  revoked?: boolean;
  q?: string;
}
