import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type LintContext, readRepoFile, type ServerValidator } from './context.js';

export type JsonObject = Record<string, unknown>;

/** The value when it is a plain mapping, else null. */
export function asObject(v: unknown): JsonObject | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : null;
}

/** A list, or an empty one for anything else. */
export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}

/** String(v) for messages; YAML scalars, objects as [object Object] (as template literals would). */
export function str(v: unknown): string {
  return String(v);
}

/** Key names that hold secrets: never hard-coded, never in a ConfigMap. */
export const SECRET_KEY = /SECRET|PASSWORD|TOKEN|PRIVATE|CREDENTIAL|DATABASE_URL/;
export const MIGRATE_CLI = { dist: 'dist/src/cli/migrate.js', src: 'src/cli/migrate.ts' } as const;

/** Valid stand-ins for the values kept out of the files (secrets, prompted values). */
export const STAND_IN: Record<string, string> = {
  DATABASE_URL: 'postgres://user:password@db.internal:5432/mcp',
  KEY_ENCRYPTION_SECRET: 'x'.repeat(44),
  GITHUB_CLIENT_ID: 'stand-in',
  GITHUB_CLIENT_SECRET: 'stand-in',
  METRICS_TOKEN: 'x'.repeat(32),
  PUBLIC_URL: 'https://mcp.example.com',
};

/** image reference -> { name, tag, digest } */
export function parseImage(ref: string): { name: string; tag: string | null; digest: string | null } {
  let rest = ref;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const tag = colon > slash ? rest.slice(colon + 1) : null;
  const name = colon > slash ? rest.slice(0, colon) : rest;
  return { name, tag, digest };
}

/** An image must name a tag other than `latest` (or a digest). */
export function imagePinned(ctx: LintContext, ref: string, where: string): void {
  const { report } = ctx;
  if (/\$\{?[A-Za-z_]/.test(ref)) {
    report.warn(`${where}: image "${ref}" uses a variable, cannot check its tag`);
    return;
  }
  const { tag, digest } = parseImage(ref);
  if (!tag && !digest) report.bad(`${where}: image "${ref}" has no tag (means :latest)`);
  else if (tag === 'latest') report.bad(`${where}: image "${ref}" uses the latest tag`);
  else report.ok(`${where}: image "${ref}" is pinned`);
}

/** Does the server read this environment variable (src/config/environment.ts)? */
export function serverReads(ctx: LintContext): (key: string) => boolean {
  const source = readRepoFile(ctx, 'src/config/environment.ts') ?? '';
  return (key) => new RegExp(`\\b${key}\\b`).test(source);
}

/**
 * The server's own validator (dist/src/config/environment.js, built by `npm run build`) to run on the
 * settings a manifest gives it. Skipped when dist is missing or older than src/config/environment.ts.
 */
export async function loadServerValidator(ctx: LintContext): Promise<ServerValidator | null> {
  const built = join(ctx.root, 'dist/src/config/environment.js');
  const source = join(ctx.root, 'src/config/environment.ts');
  if (!existsSync(built)) {
    ctx.report.skip('server settings validator: dist/ not built (npm run build)');
    return null;
  }
  if (existsSync(source) && statSync(built).mtimeMs < statSync(source).mtimeMs) {
    ctx.report.skip('server settings validator: dist/ older than src/config/environment.ts (npm run build)');
    return null;
  }
  try {
    const mod = (await import(pathToFileURL(built).href)) as { validateEnvironment?: unknown };
    return typeof mod.validateEnvironment === 'function' ? (mod.validateEnvironment as ServerValidator) : null;
  } catch (e) {
    ctx.report.warn(`server settings validator not loadable: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

/** Runs the server's validator on `env`; each problem it lists is a failure. */
export function serverAccepts(ctx: LintContext, where: string, env: Record<string, string>): void {
  if (!ctx.serverValidator) return;
  try {
    ctx.serverValidator(env);
    ctx.report.ok(`${where}: settings accepted by the server's own validator`);
  } catch (e) {
    const problems = (e as { problems?: unknown } | null)?.problems;
    const list = Array.isArray(problems) ? problems.map(str) : [e instanceof Error ? e.message : String(e)];
    for (const p of list) ctx.report.bad(`${where}: server rejects: ${p}`);
  }
}
