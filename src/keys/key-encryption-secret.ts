import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { ensurePrivateDir, readOrCreateSecret } from '../common/private-files.js';
import { type AppConfig } from '../config/app-config.js';

/**
 * KEY_ENCRYPTION_SECRET, or (outside production only) a random secret kept in DATA_DIR so that a
 * local server keeps its keys readable across restarts. Production refuses to start without one.
 */
export function resolveKeyEncryptionSecret(config: AppConfig): string {
  if (config.keyEncryptionSecret) return config.keyEncryptionSecret;
  if (config.isProduction) throw new Error('KEY_ENCRYPTION_SECRET is required in production');
  const file = join(config.dataDir, 'key-encryption-secret');
  ensurePrivateDir(config.dataDir);
  const { secret, created } = readOrCreateSecret(file, 48);
  if (created) new Logger('Keys').warn(`KEY_ENCRYPTION_SECRET is not set; generated a local one in ${file} (set it explicitly outside local use)`);
  return secret;
}
