import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { type AppConfig } from '../config/app-config.js';

/**
 * KEY_ENCRYPTION_SECRET, or (outside production only) a random secret kept in DATA_DIR so that a
 * local server keeps its keys readable across restarts. Production refuses to start without one.
 */
export function resolveKeyEncryptionSecret(config: AppConfig): string {
  if (config.keyEncryptionSecret) return config.keyEncryptionSecret;
  if (config.isProduction) throw new Error('KEY_ENCRYPTION_SECRET is required in production');
  const file = join(config.dataDir, 'key-encryption-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  new Logger('Keys').warn(`KEY_ENCRYPTION_SECRET is not set; generated a local one in ${file} (set it explicitly outside local use)`);
  return secret;
}
