import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Report } from './report.js';

/** The server's settings validator (dist/src/config/environment.js), when built. */
export type ServerValidator = (env: Record<string, string | undefined>) => unknown;

/** What the manifests are checked against: the Dockerfile final stage's USER, PORT and HOST. */
export interface DockerfileFacts {
  user: string | null;
  port: string | null;
  host: string | null;
}

export interface LintContext {
  /** The repository checked (its deployment files, package.json, src/config/environment.ts). */
  readonly root: string;
  readonly report: Report;
  dockerfile: DockerfileFacts;
  serverValidator: ServerValidator | null;
}

export function createContext(root: string, report: Report): LintContext {
  return { root, report, dockerfile: { user: null, port: null, host: null }, serverValidator: null };
}

/** A repository file's text, or null when it does not exist. */
export function readRepoFile(ctx: LintContext, rel: string): string | null {
  const path = join(ctx.root, rel);
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}
