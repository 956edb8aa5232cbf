import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { API_KEY_PREFIX } from '../auth/api-keys/api-key.js';
import { DOCS_CLIENT_ID, FIRST_PARTY_SCOPE } from '../common/first-party-clients.js';
import { AppConfig } from '../config/app-config.js';
import { securityHeaders } from '../http/security-headers.js';
import { ADMIN_SCOPE, API_KEY_SECURITY, OAUTH2_SECURITY } from './admin-controller.decorator.js';
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
 *
 * With the built-in authorization server, Swagger UI's "Authorize" button signs an administrator in
 * with the authorization code flow and PKCE (OAuth 2.1 §4.1), as the server's own public client
 * DOCS_CLIENT_ID asking for `admin` (granted to administrators only); the popup comes back to
 * /docs/oauth2-redirect.html, the client's one registered redirect URI.
 */
export function setupOpenApi(app: INestApplication): void {
  if (done.has(app)) return;
  done.add(app);
  const docs = express.Router();
  // These routes and files are ahead of Nest's middleware: they get the security headers here (CSP
  // script-src 'self' fits Swagger UI and oauth2-redirect.html, whose scripts are files;
  // frame-ancestors 'none' keeps the Authorize button out of other sites' frames).
  docs.use(securityHeaders);
  // The Authorize popup keeps its opener: /docs may open a popup that leaves the origin (GitHub, the
  // identity provider), and oauth2-redirect.html, where the popup lands, must match the sign-in pages.
  docs.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cross-Origin-Opener-Policy', req.path.endsWith('/oauth2-redirect.html') ? 'unsafe-none' : 'same-origin-allow-popups');
    next();
  });
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
  const settings = app.get(AppConfig);
  const oauth = settings.authMode === 'builtin';
  const builder = new swagger.DocumentBuilder()
    .setTitle('secure-mcp-server Admin API')
    .setDescription(
      'Operate the server: OAuth clients, users, grants, signing keys, API keys and the audit trail. ' +
        `Every route needs the \`admin\` scope: an access token of an ADMIN_GITHUB_LOGINS user, or an API key (\`${API_KEY_PREFIX}...\`) created with that scope, ` +
        'sent as `Authorization: Bearer` or `X-API-Key`. Every call is itself audited (kind `admin`).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An access token or an API key' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key' }, API_KEY_SECURITY);
  if (oauth) {
    builder.addOAuth2(
      {
        type: 'oauth2',
        description: 'Sign in as an administrator (ADMIN_GITHUB_LOGINS / ADMIN_GROUPS); anyone else is refused the admin scope.',
        flows: {
          authorizationCode: {
            authorizationUrl: `${settings.publicUrl}/authorize`,
            tokenUrl: `${settings.publicUrl}/token`,
            scopes: { [FIRST_PARTY_SCOPE]: ADMIN_SCOPE.description },
          },
        },
      },
      OAUTH2_SECURITY,
    );
  }
  const config = builder.build();
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
    () => {
      const doc = swagger.SwaggerModule.createDocument(app, config, { include: [AdminModule] });
      return oauth ? doc : withoutSecurity(doc, OAUTH2_SECURITY);
    },
    {
      jsonDocumentUrl: `${DOCS_PATH}-json`,
      yamlDocumentUrl: `${DOCS_PATH}-yaml`,
      customSiteTitle: 'secure-mcp-server Admin API',
      swaggerOptions: {
        validatorUrl: null, // no badge fetched from validator.swagger.io (CSP img-src 'self')
        ...(oauth
          ? {
              oauth2RedirectUrl: `${settings.publicUrl}/${DOCS_PATH}/oauth2-redirect.html`,
              initOAuth: { clientId: DOCS_CLIENT_ID, usePkceWithAuthorizationCodeGrant: true, scopes: [FIRST_PARTY_SCOPE] },
            }
          : {}),
      },
    },
  );
}

/** AUTH_MODE=external: there is no authorization server here to sign in with, so no operation names the OAuth scheme. */
function withoutSecurity<T extends { paths: object }>(doc: T, scheme: string): T {
  for (const ops of Object.values(doc.paths) as Record<string, { security?: Record<string, string[]>[] }>[])
    for (const op of Object.values(ops)) if (Array.isArray(op?.security)) op.security = op.security.filter((s) => !(scheme in s));
  return doc;
}
