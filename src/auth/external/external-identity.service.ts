import { Injectable } from '@nestjs/common';
import { UsersRepository } from '../../users/users.repository.js';

export interface ExternalIdentity {
  userId: string;
  login: string;
  /** Epoch milliseconds when this entry was read from the database. */
  loadedAt: number;
}

const FRESH_MS = 5 * 60 * 1000;
const MAX_ENTRIES = 10_000;

/**
 * Maps a person at the company authorization server, (issuer, sub), to the stable local user id
 * that notes, audit and admin use. Kept in memory (read again after five minutes) so the request
 * path does no database work. Whether the person is disabled is not cached here: the revocation
 * cache knows it on every instance.
 */
@Injectable()
export class ExternalIdentityService {
  private readonly cache = new Map<string, ExternalIdentity>();
  private readonly loading = new Map<string, Promise<ExternalIdentity>>();

  constructor(private readonly users: UsersRepository) {}

  async resolve(issuer: string, subject: string, login: string, name: string | null): Promise<ExternalIdentity> {
    const key = `${issuer}\u0000${subject}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.loadedAt < FRESH_MS) return hit;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(issuer, subject, login, name).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    const identity = await pending;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(key, identity);
    return identity;
  }

  private async load(issuer: string, subject: string, login: string, name: string | null): Promise<ExternalIdentity> {
    const user = await this.users.upsertFederatedUser(issuer, subject, login, name);
    return { userId: user.id, login: user.login, loadedAt: Date.now() };
  }
}
