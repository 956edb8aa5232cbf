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
  private readonly descriptions = new Map<string, string>();
  private baselineCache?: string;

  register(...scopes: string[]): void {
    for (const s of scopes) this.scopes.add(s);
    this.baselineCache = undefined;
  }

  /**
   * What a scope lets a client do, in one sentence for people (consent page, metadata). Declared by
   * the team next to its tool (`@RequireScope(scope, { description })`) or here. Two different
   * descriptions of one scope stop start-up: people would see one of them at random.
   */
  describe(scope: string, description: string): void {
    const known = this.descriptions.get(scope);
    if (known !== undefined && known !== description) {
      throw new Error(`Scope ${JSON.stringify(scope)} is described twice, differently: ${JSON.stringify(known)} and ${JSON.stringify(description)}`);
    }
    this.descriptions.set(scope, description);
  }

  /** The declared description, or undefined when nobody described the scope. */
  description(scope: string): string | undefined {
    return this.descriptions.get(scope);
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
