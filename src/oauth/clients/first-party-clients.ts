import { ADMIN_CLI_CLIENT_ID, DOCS_CLIENT_ID, FIRST_PARTY_SCOPE } from '../../common/first-party-clients.js';
import type { OAuthClient } from './oauth-client.js';

/** The loopback redirect URI registered for the admin CLI; the port is the CLI's own (RFC 8252 §7.3). */
export const ADMIN_CLI_REDIRECT_URI = 'http://127.0.0.1/callback';

export type FirstPartyClient = Pick<
  OAuthClient,
  'clientId' | 'clientName' | 'redirectUris' | 'applicationType' | 'scope' | 'grantTypes' | 'tokenEndpointAuthMethod'
>;

/**
 * The server's own public clients (kind `static`), pre-registered so that an administrator can get
 * an admin token from /docs or the terminal even with DCR_ENABLED=false. They may ask only for
 * `admin`, which the authorization endpoint still grants to administrators alone.
 */
export function firstPartyClients(publicUrl: string): FirstPartyClient[] {
  const base = { grantTypes: ['authorization_code'], tokenEndpointAuthMethod: 'none', scope: FIRST_PARTY_SCOPE } as const;
  return [
    {
      ...base,
      grantTypes: [...base.grantTypes],
      clientId: DOCS_CLIENT_ID,
      clientName: 'Admin API documentation (/docs)',
      redirectUris: [`${publicUrl}/docs/oauth2-redirect.html`],
      applicationType: 'web',
    },
    {
      ...base,
      grantTypes: [...base.grantTypes],
      clientId: ADMIN_CLI_CLIENT_ID,
      clientName: 'npm run admin:login',
      redirectUris: [ADMIN_CLI_REDIRECT_URI],
      applicationType: 'native',
    },
  ];
}

/**
 * One of the server's own clients as this instance defines it (redirect URI from its own PUBLIC_URL,
 * scope, grant): the stored row says whether it exists and is revoked, but another process on the same
 * database with another PUBLIC_URL may have written it last.
 */
export function asConfiguredHere(client: OAuthClient, publicUrl: string): OAuthClient {
  const here = firstPartyClients(publicUrl).find((c) => c.clientId === client.clientId);
  return here ? { ...client, ...here } : client;
}
