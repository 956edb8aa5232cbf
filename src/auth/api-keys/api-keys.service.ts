import { Injectable, Logger } from '@nestjs/common';
import { randomToken, safeEqual, sha256 } from '../../common/crypto.js';
import { AdminAccessService } from '../admin-access.service.js';
import { RevocationCache } from '../revocation/revocation-cache.service.js';
import { RevocationService } from '../revocation/revocation.service.js';
import { formatApiKey, parseApiKey, type ApiKeyRecord, type ApiKeyView } from './api-key.js';
import { ApiKeysRepository } from './api-keys.repository.js';

const CACHE_MS = 60_000;
const CACHE_MAX = 10_000;
const TOUCH_EVERY_MS = 60_000;

export interface VerifiedApiKey {
  id: string;
  name: string;
  userId: string;
  login: string;
  scopes: ReadonlySet<string>;
}

/**
 * API keys for scripts and CI: shown once, stored hashed, scoped, optionally expiring. Verification
 * uses a short in-memory cache (revocations still apply at once through the revocation list), so
 * the request path rarely touches the database.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly cache = new Map<string, { record?: ApiKeyRecord; loadedAt: number }>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly revocations: RevocationCache,
    private readonly revocation: RevocationService,
    private readonly admins: AdminAccessService,
  ) {}

  async create(input: {
    name: string;
    scopes: string[];
    userId: string;
    createdBy: string | null;
    expiresAt: Date | null;
  }): Promise<{ key: string; view: ApiKeyView }> {
    const secret = randomToken(32);
    const id = await this.keys.insert({ ...input, keyHash: sha256(secret) });
    const record = (await this.keys.findById(id))!;
    return { key: formatApiKey(id, secret), view: toView(record) };
  }

  async list(filter: { userId?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyView[]> {
    return (await this.keys.list(filter)).map(toView);
  }

  /** One key without its hash, or undefined. */
  async find(id: string): Promise<ApiKeyView | undefined> {
    const record = await this.keys.findById(id);
    return record && toView(record);
  }

  /** Refused at once here, within a second on every instance; false if no such key. Idempotent. */
  async revoke(id: string): Promise<boolean> {
    const found = await this.revocation.revokeApiKey(id);
    this.cache.delete(id);
    return found;
  }

  /** The key's owner and scopes, or undefined for anything not a live key (constant-time secret check). */
  async verify(key: string): Promise<VerifiedApiKey | undefined> {
    const parsed = parseApiKey(key);
    if (!parsed) return undefined;
    const record = await this.load(parsed.id);
    if (!record || !safeEqual(sha256(parsed.secret), record.keyHash)) return undefined;
    if (record.revokedAt || record.userDisabledAt) return undefined;
    if (record.expiresAt && new Date(record.expiresAt).getTime() <= Date.now()) return undefined;
    if (this.revocations.isRevoked({ apiKeyId: record.id, userId: record.userId, issuedAt: Math.floor(new Date(record.createdAt).getTime() / 1000) }))
      return undefined;
    this.touch(record.id);
    // SECURITY 35: privileged scopes are re-checked on every use against ADMIN_GITHUB_LOGINS.
    const scopes = new Set(this.admins.allowedScopes(record.login, record.scopes));
    return { id: record.id, name: record.name, userId: record.userId, login: record.login, scopes };
  }

  private async load(id: string): Promise<ApiKeyRecord | undefined> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.loadedAt < CACHE_MS) return hit.record;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    const record = await this.keys.findById(id);
    this.cache.set(id, { record, loadedAt: Date.now() });
    return record;
  }

  private touch(id: string): void {
    const last = this.touched.get(id) ?? 0;
    if (Date.now() - last < TOUCH_EVERY_MS) return;
    this.touched.set(id, Date.now());
    this.keys.touch(id).catch((e: Error) => this.logger.warn(`Could not record API key use: ${e.message}`));
  }
}

function toView(r: ApiKeyRecord): ApiKeyView {
  const { keyHash: _h, userDisabledAt: _d, ...view } = r;
  return view;
}
