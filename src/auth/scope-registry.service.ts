import { Injectable } from '@nestjs/common';

/** Scopes an ordinary user is never given by default; reached only by step-up or an admin grant. */
export const PRIVILEGED_SCOPES: ReadonlySet<string> = new Set(['admin']);

/**
 * Every scope the server uses, collected at boot from @RequireScope on tools, resources, prompts
 * and REST handlers. The baseline (non-privileged) scopes go into every 401 challenge so that
 * clients ask for what the ordinary tools need in one sign-in.
 */
@Injectable()
export class ScopeRegistry {
  private readonly scopes = new Set<string>();
  private baselineCache?: string;

  register(...scopes: string[]): void {
    for (const s of scopes) this.scopes.add(s);
    this.baselineCache = undefined;
  }

  all(): string[] {
    return [...this.scopes].sort();
  }

  /** Space-separated baseline scopes for challenges and default grants. */
  baseline(): string {
    this.baselineCache ??= this.all()
      .filter((s) => !PRIVILEGED_SCOPES.has(s))
      .join(' ');
    return this.baselineCache;
  }

  isKnown(scope: string): boolean {
    return this.scopes.has(scope);
  }
}
