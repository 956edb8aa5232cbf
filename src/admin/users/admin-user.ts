export interface AdminUser {
  id: string;
  source: string;
  githubId: string | null;
  login: string;
  name: string | null;
  /** For people from a company identity provider: its issuer and their subject there. */
  issuer: string | null;
  subject: string | null;
  createdAt: Date;
  lastLoginAt: Date | null;
  disabledAt: Date | null;
  activeGrants: number;
}

export interface UserFilter {
  q?: string;
  disabled?: boolean;
}
