import { randomUUID, type KeyObject } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { AppConfig } from '../config/app-config.js';
import { DatabaseConnector, StartupError } from '../database/database-connector.service.js';
import { resolveKeyEncryptionSecret } from './key-encryption-secret.js';
import { SecretBox } from './secret-box.js';
import { SigningKeyEntity } from './signing-key.entity.js';
import { SigningKeysRepository } from './signing-keys.repository.js';

export const SIGNING_ALG = 'ES256';
/** Unknown `kid`s start at most one key reload per this interval (each caller waits for the next one). */
const RELOAD_MIN_INTERVAL_MS = 500;
/** Instances re-read the key set this often, so a rotation done elsewhere is picked up for signing. */
const RELOAD_INTERVAL_MS = 60_000;
const CLOCK_SKEW_SECONDS = 60;

interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  publicKey: KeyObject;
  privateKey: KeyObject;
  active: boolean;
  /** The longest lifetime of a token this key has signed (seconds), as recorded in the database. */
  maxTokenTtlSeconds: number;
}

/**
 * This server's ES256 signing keys: generated on first start, persisted with the private half
 * encrypted, imported once into KeyObjects so verification never re-imports key bytes.
 * - A token whose `kid` is not loaded waits for one key reload that starts after it arrived
 *   (shared by every such request, at most one per RELOAD_MIN_INTERVAL_MS): a key another instance
 *   has just created is always found, and unknown kids cannot flood the database.
 * - Each key records the longest lifetime of the tokens it signed (`npm run token -- --ttl` included);
 *   a retired key stays published until the last of them has expired.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeysService.name);
  private keys = new Map<string, LoadedKey>();
  private active?: LoadedKey;
  private box!: SecretBox;
  private timer?: NodeJS.Timeout;
  private reloading?: Promise<void>;
  private nextReload?: Promise<void>;
  private lastReloadStart = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: SigningKeysRepository,
    private readonly connector: DatabaseConnector,
  ) {}

  onModuleInit(): void {
    this.box = new SecretBox(resolveKeyEncryptionSecret(this.config), 'signing-keys');
    this.connector.onConnected('signing keys', () => this.start());
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async start(): Promise<void> {
    await this.repository.addKey(() => this.generate(), { onlyIfNoActive: true });
    await this.reload({ atStartup: true });
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.reload().catch((e: Error) => this.logger.warn(`Key reload failed: ${e.message}`)), RELOAD_INTERVAL_MS);
    this.timer.unref();
  }

  /** Signs a JWT with the active key (`kid` and `typ` in the header). */
  async sign(payload: JWTPayload, typ: string, expiresInSeconds: number): Promise<string> {
    const key = this.activeKey();
    if (expiresInSeconds > key.maxTokenTtlSeconds) {
      // Recorded before the token exists, so that the key outlives it once retired.
      await this.repository.raiseMaxTokenTtl(key.kid, expiresInSeconds, CLOCK_SKEW_SECONDS + RELOAD_INTERVAL_MS / 1000);
      key.maxTokenTtlSeconds = expiresInSeconds;
    }
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ })
      .setIssuedAt(now)
      .setExpirationTime(now + expiresInSeconds)
      .sign(key.privateKey);
  }

  /** The public key for `kid`; an unknown kid waits for one fresh reload (another instance may have rotated). */
  async verificationKey(kid: string | undefined): Promise<KeyObject | undefined> {
    if (!kid) return undefined;
    const known = this.keys.get(kid);
    if (known) return known.publicKey;
    try {
      await this.reloadStartingNow();
    } catch (e) {
      this.logger.warn(`Key reload for an unknown kid failed: ${(e as Error).message}`);
    }
    return this.keys.get(kid)?.publicKey;
  }

  /** Resolves after a reload that started after this call (one shared by all callers waiting for it). */
  private reloadStartingNow(): Promise<void> {
    this.nextReload ??= (async () => {
      try {
        await this.reloading?.catch(() => undefined);
        const wait = this.lastReloadStart + RELOAD_MIN_INTERVAL_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      } finally {
        this.nextReload = undefined; // callers from now on need a reload that starts later still
      }
      await this.reload();
    })();
    return this.nextReload;
  }

  /** Public keys for the JWKS document: the active key and retired keys whose tokens may still be live. */
  publicJwks(): JWK[] {
    return [...this.keys.values()].map((k) => ({ ...k.publicJwk, kid: k.kid, alg: SIGNING_ALG, use: 'sig' }));
  }

  /** Makes a new key active; the old one verifies (and stays published) until every token it signed has expired. */
  async rotate(): Promise<string> {
    // Other instances may sign with the old key until their next reload; cover that too.
    await this.repository.addKey(() => this.generate(), { onlyIfNoActive: false, retire: { slackSeconds: CLOCK_SKEW_SECONDS + RELOAD_INTERVAL_MS / 1000 } });
    await this.reload();
    this.logger.log(`Signing key rotated; active kid ${this.activeKey().kid}`);
    return this.activeKey().kid;
  }

  /** Re-reads the keys; concurrent calls share one. */
  reload(opts: { atStartup?: boolean } = {}): Promise<void> {
    this.reloading ??= (async () => {
      try {
        this.lastReloadStart = Date.now();
        const rows = await this.repository.findUsable();
        const next = new Map<string, LoadedKey>();
        const unreadable: string[] = [];
        for (const row of rows) {
          const loaded = await this.load(row).catch(() => undefined);
          if (loaded) next.set(row.kid, loaded);
          else unreadable.push(row.kid);
        }
        if (unreadable.length) {
          const problem = keySecretMismatch(unreadable.length, rows.length, this.config);
          if (opts.atStartup) throw new StartupError(problem);
          this.logger.error(`${problem} Keys not loaded: ${unreadable.join(', ')}`);
        }
        // Keys already loaded stay usable even if a reload cannot read them (another instance's secret).
        for (const kid of unreadable) {
          const old = this.keys.get(kid);
          if (old) next.set(kid, old);
        }
        this.keys = next;
        this.active = [...next.values()].find((k) => k.active);
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
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
      maxTokenTtlSeconds: row.maxTokenTtlSeconds,
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
    entity.maxTokenTtlSeconds = 0;
    return entity;
  }
}

/** One message for a KEY_ENCRYPTION_SECRET that cannot open the stored keys (issue: a raw crypto error before). */
function keySecretMismatch(unreadable: number, total: number, config: AppConfig): string {
  const source = config.keyEncryptionSecret
    ? 'KEY_ENCRYPTION_SECRET'
    : `the generated secret in ${config.dataDir}/key-encryption-secret (KEY_ENCRYPTION_SECRET is unset)`;
  return (
    `KEY_ENCRYPTION_SECRET does not match the secret the stored signing keys were encrypted with: ${source} cannot decrypt ${unreadable} of ${total} key(s). ` +
    'Set KEY_ENCRYPTION_SECRET to the value used when they were created.'
  );
}
