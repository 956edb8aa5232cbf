export interface AdminGrant {
  id: string;
  userId: string | null;
  login: string | null;
  clientId: string;
  clientName: string | null;
  scopes: string[];
  resource: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedReason: string | null;
}

export type GrantStatus = 'active' | 'revoked';

export interface GrantFilter {
  userId?: string;
  clientId?: string;
  status?: GrantStatus;
}
