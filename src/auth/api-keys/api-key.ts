export interface ApiKeyRecord {
  id: string;
  name: string;
  keyHash: string;
  scopes: string[];
  userId: string;
  login: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  userDisabledAt: Date | null;
}

export type ApiKeyView = Omit<ApiKeyRecord, 'keyHash' | 'userDisabledAt'>;

export const API_KEY_PREFIX = 'smcp_';
const FORMAT = /^smcp_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** `smcp_<id hex>_<secret>`: the id finds the record, only the secret's hash is stored. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = FORMAT.exec(key);
  if (!m) return undefined;
  const h = m[1];
  return { id: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`, secret: m[2] };
}

export function formatApiKey(id: string, secret: string): string {
  return `${API_KEY_PREFIX}${id.replace(/-/g, '')}_${secret}`;
}
