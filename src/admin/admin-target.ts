import type { AuditOutcome } from '../audit/audit-event.js';

/**
 * The audit target of an admin route, from its path template: `POST /admin/clients/:clientId/revoke`
 * is `clients.revoke`, `GET /admin/clients/:clientId` is `clients.get`, `GET /admin/clients` is
 * `clients.list`, `POST /admin/api-keys` is `api-keys.create`. Derived from the route so that a
 * request refused by the guard (before any interceptor runs) is named like an allowed one.
 */
export function adminTarget(method: string, routePath: string): string {
  const [resource = 'admin', ...rest] = routePath
    .replace(/^\/?admin(\/|$)/, '')
    .split('/')
    .filter(Boolean);
  const last = rest.at(-1);
  if (last !== undefined && !last.startsWith(':')) return `${resource}.${last}`;
  const verb = method.toUpperCase();
  if (verb === 'GET') return `${resource}.${last === undefined ? 'list' : 'get'}`;
  if (verb === 'POST' && last === undefined) return `${resource}.create`;
  return `${resource}.${verb.toLowerCase()}`;
}

/** Same vocabulary as tool calls: refused (401/403), bad input (400), other caller errors, server failures. */
export function adminOutcome(status: number): AuditOutcome {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'denied';
  if (status === 400 || status === 422) return 'invalid';
  if (status < 500) return 'error';
  return 'failed';
}
