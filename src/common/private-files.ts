import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from './crypto.js';

/** Creates `dir` (and parents) if needed and makes it owner-only (0700), as Postgres does for its data directory. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** A random secret kept in `file` (0600): read if present, generated on first use. `created` = it was just generated. */
export function readOrCreateSecret(file: string, bytes = 32): { secret: string; created: boolean } {
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return { secret: readFileSync(file, 'utf8').trim(), created: false };
  }
  const secret = randomToken(bytes);
  // 'wx': never overwrite a secret another process wrote in the meantime.
  try {
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreateSecret(file, bytes);
    throw error;
  }
  chmodSync(file, 0o600);
  return { secret, created: true };
}

/** Removes group and other permissions from `dir` and everything under it (directories 0700, files 0600). */
export function restrictTree(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      restrictTree(path);
    } else if (entry.isFile()) {
      chmodSync(path, 0o600);
    }
  }
}
