import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { RepoPattern } from '../config/github-repos.js';
import { DomainError } from '../common/errors/domain-error.js';

export interface RepoRef {
  owner: string;
  repo: string;
}

/** GITHUB_REPOS: which repositories the GitHub tools may touch. Checked before any call to GitHub. */
@Injectable()
export class RepoAllowList {
  private readonly patterns: readonly RepoPattern[];

  constructor(config: AppConfig) {
    this.patterns = config.github?.repos ?? [];
  }

  /** True when GITHUB_REPOS is set (otherwise any repository the person can reach is allowed). */
  get restricted(): boolean {
    return this.patterns.length > 0;
  }

  /** Owner and name compare case-insensitively, as GitHub does. */
  allows(ref: RepoRef): boolean {
    if (!this.restricted) return true;
    const owner = ref.owner.toLowerCase();
    const repo = ref.repo.toLowerCase();
    return this.patterns.some((p) => p.owner === owner && (p.name === '*' || p.name === repo));
  }

  /** Throws a tool error naming the setting when `ref` is outside GITHUB_REPOS. */
  check(ref: RepoRef): void {
    if (!this.allows(ref)) {
      throw new DomainError('forbidden', `${ref.owner}/${ref.repo} is not in GITHUB_REPOS, the repositories this server's GitHub tools may use`);
    }
  }

  /** Search qualifiers that keep a search inside the allow-list (`repo:acme/api`, `user:acme-labs`); none when unrestricted. */
  searchQualifiers(): string[] {
    return this.patterns.map((p) => (p.name === '*' ? `user:${p.owner}` : `repo:${p.owner}/${p.name}`));
  }
}
