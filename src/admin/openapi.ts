import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_PREFIX } from '../auth/api-keys/api-key.js';
import { API_KEY_SECURITY } from './admin-controller.decorator.js';
import { AdminModule } from './admin.module.js';

export const DOCS_PATH = 'docs';

const done = new WeakSet<INestApplication>();

/**
 * The Admin API's OpenAPI document at /docs-json and Swagger UI at /docs. Call it before the app
 * initialises (as createApp does): Swagger registers plain HTTP routes that Nest's global guard does
 * not see, so the documentation needs no credentials, and routes added after init would sit behind
 * Nest's not-found handler. The document is built on the first request, once every module is ready.
 * Calling it again for the same app does nothing.
 */
export function setupOpenApi(app: INestApplication): void {
  if (done.has(app)) return;
  done.add(app);
  const config = new DocumentBuilder()
    .setTitle('secure-mcp-server Admin API')
    .setDescription(
      'Operate the server: OAuth clients, users, grants, signing keys, API keys and the audit trail. ' +
        `Every route needs the \`admin\` scope: an access token of an ADMIN_GITHUB_LOGINS user, or an API key (\`${API_KEY_PREFIX}...\`) created with that scope, ` +
        'sent as `Authorization: Bearer` or `X-API-Key`. Every call is itself audited (kind `admin`).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An access token or an API key' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key' }, API_KEY_SECURITY)
    .build();
  SwaggerModule.setup(DOCS_PATH, app, () => SwaggerModule.createDocument(app, config, { include: [AdminModule] }), {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    yamlDocumentUrl: `${DOCS_PATH}-yaml`,
    customSiteTitle: 'secure-mcp-server Admin API',
  });
}
