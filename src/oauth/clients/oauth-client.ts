/** How the client came to be: self-registered (RFC 7591), a metadata document URL, configured here, or registered by an administrator. */
export type ClientKind = 'dcr' | 'cimd' | 'static' | 'admin';
export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';
/** OpenID Connect Dynamic Client Registration §2 `application_type`. */
export type ApplicationType = 'web' | 'native';
export const APPLICATION_TYPES: readonly ApplicationType[] = ['web', 'native'];
/** RFC 7523 §2.1 jwt-bearer: presenting an identity assertion (ID-JAG) as the grant. */
export type JwtBearerGrantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials' | JwtBearerGrantType;

export const GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:jwt-bearer'];
export const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['none', 'client_secret_basic', 'client_secret_post'];

export interface OAuthClient {
  clientId: string;
  kind: ClientKind;
  clientSecretHash: string | null;
  clientSecretExpiresAt: Date | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  grantTypes: GrantType[];
  redirectUris: string[];
  scope: string | null;
  clientName: string | null;
  /** `web` or `native` when the client said so (OIDC DCR §2); null otherwise. */
  applicationType: ApplicationType | null;
  /** The scopes this server offered when the client registered; its `scope` limits it only among these. */
  scopesOfferedAtRegistration: string[] | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  fetchedAt: Date | null;
  revokedAt: Date | null;
}

export const isConfidential = (c: OAuthClient): boolean => c.tokenEndpointAuthMethod !== 'none';
