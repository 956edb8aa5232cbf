import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
import type { Principal, RequestContext } from './request-context.js';

const EMPTY_SCOPES: ReadonlySet<string> = new Set();

/** The one way code below the HTTP layer learns who is calling; backed by AsyncLocalStorage. */
@Injectable()
export class RequestContextService {
  private readonly storage = new AsyncLocalStorage<RequestContext>();

  run<T>(requestId: string, fn: () => T): T {
    return this.storage.run({ requestId, scopes: EMPTY_SCOPES }, fn);
  }

  /** Runs `fn` with a copy of the current request's context, so what one call records (auditResource) stays its own. */
  runCall<T>(fn: () => T): T {
    const store = this.storage.getStore();
    return store ? this.storage.run({ ...store, auditResource: undefined }, fn) : fn();
  }

  /** Names what the current tool call acts on (a repository, say); the audit record of the call carries it. */
  setAuditResource(resource: string): void {
    const store = this.storage.getStore();
    if (store) store.auditResource = resource;
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

  /** Records the OAuth client of a token-endpoint request (for logs and audit). */
  setClient(clientId: string): void {
    const store = this.storage.getStore();
    if (store) store.clientId = clientId;
  }

  /** The signed-in user; a token issued to a client alone (client_credentials) has none. */
  principal(): Principal {
    const principal = this.storage.getStore()?.principal;
    if (!principal) throw new DomainError('forbidden', 'This needs a signed-in user; the access token was issued to a client, not to a person');
    return principal;
  }

  scopes(): ReadonlySet<string> {
    return this.storage.getStore()?.scopes ?? EMPTY_SCOPES;
  }
}
