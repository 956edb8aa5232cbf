/**
 * The server's own OAuth clients, named here so that the authorization server (which registers them),
 * the admin API docs and the admin CLI (which use them) share the ids without importing each other.
 */

/** Swagger UI at /docs: its "Authorize" button (authorization code + PKCE, public client). */
export const DOCS_CLIENT_ID = 'secure-mcp-server-docs';
/** `npm run admin:login`: a native app with a loopback redirect (RFC 8252 §7.3: any port). */
export const ADMIN_CLI_CLIENT_ID = 'secure-mcp-server-admin-cli';
/** What both first-party clients ask for, and all they may be granted. */
export const FIRST_PARTY_SCOPE = 'admin';
