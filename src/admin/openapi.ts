import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { API_KEY_PREFIX } from '../auth/api-keys/api-key.js';
import { API_KEY_SECURITY } from './admin-controller.decorator.js';
import { AdminModule } from './admin.module.js';
import { applyRecordedApiDocs } from './api-docs.js';

export const DOCS_PATH = 'docs';

const done = new WeakSet<INestApplication>();

/**
 * The Admin API's OpenAPI document at /docs-json (and /docs-yaml) and Swagger UI at /docs. Call it
 * before the app initialises (as createApp does): the documentation is plain HTTP routes ahead of
 * Nest's router, which its global guard does not see, so it needs no credentials, and routes added
 * after init would sit behind Nest's not-found handler. @nestjs/swagger itself is loaded, and its
 * routes and static files mounted, on the first request for the documentation (idle RSS and start
 * time of a server whose /docs nobody reads); the document is built then, once every module is ready.
 * Calling it again for the same app does nothing.
 */
export function setupOpenApi(app: INestApplication): void {
  if (done.has(app)) return;
  done.add(app);
  const docs = express.Router();
  let mounted: Promise<void> | undefined;
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!isDocsPath(req.path)) return next();
    mounted ??= mountSwagger(app, docs);
    mounted.then(() => docs(req, res, next), next);
  });
}

function isDocsPath(path: string): boolean {
  return path === `/${DOCS_PATH}` || path.startsWith(`/${DOCS_PATH}/`) || path === `/${DOCS_PATH}-json` || path === `/${DOCS_PATH}-yaml`;
}

async function mountSwagger(app: INestApplication, docs: express.Router): Promise<void> {
  const swagger = await import('@nestjs/swagger');
  applyRecordedApiDocs(swagger);
  const config = new swagger.DocumentBuilder()
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
  // SwaggerModule registers its routes and static files through the application it is given; this
  // one registers them on `docs` (no global prefix: `config` is unset), which serves every /docs path.
  const host = {
    getHttpAdapter: () => ({
      getType: () => 'express',
      get: (path: string, handler: express.RequestHandler) => docs.get(path, handler),
      getRequestUrl: (req: Request) => req.originalUrl,
    }),
    useStaticAssets: (path: string, options: { prefix: string }) => docs.use(options.prefix, express.static(path)),
  };
  swagger.SwaggerModule.setup(
    DOCS_PATH,
    host as unknown as INestApplication,
    () => swagger.SwaggerModule.createDocument(app, config, { include: [AdminModule] }),
    {
      jsonDocumentUrl: `${DOCS_PATH}-json`,
      yamlDocumentUrl: `${DOCS_PATH}-yaml`,
      customSiteTitle: 'secure-mcp-server Admin API',
    },
  );
}
