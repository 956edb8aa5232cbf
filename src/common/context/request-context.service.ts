import { AsyncLocalStorage } from 'node:async_hooks';
import { ForbiddenException, Injectable } from '@nestjs/common';
import type { Principal, RequestContext } from './request-context.js';

const EMPTY_SCOPES: ReadonlySet<string> = new Set();

/** The one way code below the HTTP layer learns who is calling; backed by AsyncLocalStorage. */
@Injectable()
export class RequestContextService {
  private readonly storage = new AsyncLocalStorage<RequestContext>();

  run<T>(requestId: string, fn: () => T): T {
    return this.storage.run({ requestId, scopes: EMPTY_SCOPES }, fn);
  }

  current(): RequestContext | undefined {
    return this.storage.getStore();
  }

  get requestId(): string | undefined {
    return this.storage.getStore()?.requestId;
  }

  /** Records the authenticated caller on the current request. */
  authenticate(auth: Omit<RequestContext, 'requestId'>): void {
    const store = this.storage.getStore();
    if (!store) throw new Error('authenticate() called outside a request context');
    Object.assign(store, auth);
  }

  /** The caller; throws if the request is not authenticated (a programming error in a protected path). */
  principal(): Principal {
    const principal = this.storage.getStore()?.principal;
    if (!principal) throw new ForbiddenException('No authenticated user in this request');
    return principal;
  }

  scopes(): ReadonlySet<string> {
    return this.storage.getStore()?.scopes ?? EMPTY_SCOPES;
  }
}
