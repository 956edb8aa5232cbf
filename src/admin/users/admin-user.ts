export interface AdminUser {
  id: string;
  source: string;
  githubId: string | null;
  login: string;
  name: string | null;
  createdAt: Date;
  lastLoginAt: Date | null;
  disabledAt: Date | null;
  activeGrants: number;
}

export interface UserFilter {
  q?: string;
  disabled?: boolean;
}
