import { applyDecorators, Controller, UseFilters, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2, ApiResponse, ApiSecurity, ApiTags } from './api-docs.js';
import { AdminAuditInterceptor } from './admin-audit.interceptor.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';

/** What the `admin` scope means to a person (consent page, metadata); every admin controller declares it. */
export const ADMIN_SCOPE = { description: 'Administer this server: clients, users, grants, keys and the audit trail' };

/** The OpenAPI security scheme name of the `X-API-Key` header. */
export const API_KEY_SECURITY = 'api-key';
/** The OpenAPI security scheme name of the sign-in behind /docs' "Authorize" button (built-in authorization server only). */
export const OAUTH2_SECURITY = 'oauth2';

/** Every admin error body (ErrorMapperService): an OAuth-style code and a sentence. */
const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', description: 'A stable code: invalid_request, invalid_token, insufficient_scope, not_found, conflict, too_many_requests, ...' },
    error_description: { type: 'string', description: 'What went wrong, for a person' },
  },
};
const errorResponse = (status: number, description: string, headers?: Record<string, { description: string; schema: { type: string } }>) =>
  ApiResponse({ status, description, schema: ERROR_BODY, ...(headers ? { headers } : {}) });

/** The errors every admin route can answer with (OpenAPI `responses`). */
const ADMIN_ERRORS = [
  errorResponse(400, 'Invalid input: a query, path or body field is missing, malformed or out of range (error invalid_request)'),
  errorResponse(401, 'No credentials, or an expired, revoked or unknown token or API key (error invalid_token)', {
    'WWW-Authenticate': { description: 'Bearer challenge with resource_metadata (RFC 6750 §3, RFC 9728 §5.1)', schema: { type: 'string' } },
  }),
  errorResponse(403, 'Valid credentials without the admin scope (error insufficient_scope)', {
    'WWW-Authenticate': { description: 'Bearer error="insufficient_scope" scope="admin" (RFC 6750 §3.1)', schema: { type: 'string' } },
  }),
  errorResponse(429, 'Too many requests from this caller (error too_many_requests)', {
    'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'string' } },
  }),
];

/** A route that names one thing (`/:id`): 404 when there is no such thing. */
export const ApiNotFoundError = (what: string): MethodDecorator => errorResponse(404, `No such ${what} (error not_found)`);

/**
 * An admin REST controller at `/admin/<path>`: audited (interceptor + filter) and documented as
 * taking a bearer token or an API key. The `admin` scope itself is required by @RequireScope('admin', ADMIN_SCOPE)
 * on each controller, where a reader looks for it.
 */
export function AdminController(path: string): ClassDecorator {
  return applyDecorators(
    Controller(`admin/${path}`),
    UseInterceptors(AdminAuditInterceptor),
    UseFilters(AdminExceptionFilter),
    ApiTags(`admin: ${path}`),
    ApiBearerAuth(),
    ApiSecurity(API_KEY_SECURITY),
    ApiOAuth2(['admin'], OAUTH2_SECURITY),
    ...ADMIN_ERRORS,
  );
}
