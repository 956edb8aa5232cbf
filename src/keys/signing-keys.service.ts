import { randomUUID, type KeyObject } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { AppConfig } from '../config/app-config.js';
import { resolveKeyEncryptionSecret } from './key-encryption-secret.js';
import { SecretBox } from './secret-box.js';
import { SigningKeyEntity } from './signing-key.entity.js';
import { SigningKeysRepository } from './signing-keys.repository.js';

export const SIGNING_ALG = 'ES256';
const RELOAD_MIN_INTERVAL_MS = 1000;
/** Instances re-read the key set this often, so a rotation done elsewhere is picked up for signing. */
const RELOAD_INTERVAL_MS = 60_000;
const CLOCK_SKEW_SECONDS = 60;

interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  publicKey: KeyObject;
  privateKey: KeyObject;
  active: boolean;
}

/**
 * This server's ES256 signing keys: generated on first start, persisted with the private half
 * encrypted, imported once into KeyObjects so verification never re-imports key bytes.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeysService.name);
  private keys = new Map<string, LoadedKey>();
  private active?: LoadedKey;
  private lastReload = 0;
  private box!: SecretBox;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: SigningKeysRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    this.box = new SecretBox(resolveKeyEncryptionSecret(this.config), 'signing-keys');
    await this.repository.addKey(() => this.generate(), { onlyIfNoActive: true });
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch((e: Error) => this.logger.warn(`Key reload failed: ${e.message}`)), RELOAD_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Signs a JWT with the active key (`kid` and `typ` in the header). */
  sign(payload: JWTPayload, typ: string, expiresInSeconds: number): Promise<string> {
    const key = this.activeKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ })
      .setIssuedAt(now)
      .setExpirationTime(now + expiresInSeconds)
      .sign(key.privateKey);
  }

  /** The public key for `kid`; an unknown kid triggers at most one reload per few seconds (another instance may have rotated). */
  async verificationKey(kid: string | undefined): Promise<KeyObject | undefined> {
    if (!kid) return undefined;
    const known = this.keys.get(kid);
    if (known) return known.publicKey;
    if (Date.now() - this.lastReload < RELOAD_MIN_INTERVAL_MS) return undefined;
    await this.reload();
    return this.keys.get(kid)?.publicKey;
  }

  /** Public keys for the JWKS document: the active key and retired keys whose tokens may still be live. */
  publicJwks(): JWK[] {
    return [...this.keys.values()].map((k) => ({ ...k.publicJwk, kid: k.kid, alg: SIGNING_ALG, use: 'sig' }));
  }

  /** Makes a new key active; the old one verifies until every token it signed has expired. */
  async rotate(): Promise<string> {
    // Other instances may sign with the old key until their next reload; cover that too.
    const retireUntil = new Date(Date.now() + (this.config.accessTokenTtlSeconds + CLOCK_SKEW_SECONDS) * 1000 + RELOAD_INTERVAL_MS);
    await this.repository.addKey(() => this.generate(), { onlyIfNoActive: false, retireUntil });
    await this.reload();
    this.logger.log(`Signing key rotated; active kid ${this.activeKey().kid}`);
    return this.activeKey().kid;
  }

  async reload(): Promise<void> {
    this.lastReload = Date.now();
    const rows = await this.repository.findUsable();
    const next = new Map<string, LoadedKey>();
    for (const row of rows) next.set(row.kid, await this.load(row));
    this.keys = next;
    this.active = [...next.values()].find((k) => k.active);
  }

  private activeKey(): LoadedKey {
    if (!this.active) throw new Error('No active signing key loaded');
    return this.active;
  }

  private async load(row: SigningKeyEntity): Promise<LoadedKey> {
    const privateJwk = JSON.parse(this.box.open(row.privateJwkEncrypted)) as JWK;
    return {
      kid: row.kid,
      publicJwk: row.publicJwk,
      publicKey: (await importJWK(row.publicJwk, SIGNING_ALG)) as unknown as KeyObject,
      privateKey: (await importJWK(privateJwk, SIGNING_ALG)) as unknown as KeyObject,
      active: row.retiredAt === null,
    };
  }

  private async generate(): Promise<SigningKeyEntity> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const entity = new SigningKeyEntity();
    entity.kid = randomUUID();
    entity.alg = SIGNING_ALG;
    entity.publicJwk = await exportJWK(publicKey);
    entity.privateJwkEncrypted = this.box.seal(JSON.stringify(await exportJWK(privateKey)));
    entity.createdAt = new Date();
    entity.retiredAt = null;
    entity.expiresAt = null;
    return entity;
  }
}
