import { applyDecorators, Controller, UseFilters, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2, ApiSecurity, ApiTags } from './api-docs.js';
import { AdminAuditInterceptor } from './admin-audit.interceptor.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';

/** What the `admin` scope means to a person (consent page, metadata); every admin controller declares it. */
export const ADMIN_SCOPE = { description: 'Administer this server: clients, users, grants, keys and the audit trail' };

/** The OpenAPI security scheme name of the `X-API-Key` header. */
export const API_KEY_SECURITY = 'api-key';
/** The OpenAPI security scheme name of the sign-in behind /docs' "Authorize" button (built-in authorization server only). */
export const OAUTH2_SECURITY = 'oauth2';

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
  );
}
