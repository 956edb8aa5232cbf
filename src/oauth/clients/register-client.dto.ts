import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUrl, Matches, MaxLength } from 'class-validator';
import { IsDisplayText } from '../../common/text.js';
import { APPLICATION_TYPES, AUTH_METHODS, GRANT_TYPES, type ApplicationType, type GrantType, type TokenEndpointAuthMethod } from './oauth-client.js';

/** RFC 7591 §2 client metadata that this server understands; unknown fields are ignored (§3.2.1). */
export class RegisterClientDto {
  @IsOptional()
  @IsArray({ message: 'redirect_uris must be an array of URLs' })
  @ArrayMaxSize(10, { message: 'redirect_uris: at most 10' })
  @IsString({ each: true, message: 'redirect_uris must be an array of URLs' })
  redirect_uris?: string[];

  @IsOptional()
  @IsIn(AUTH_METHODS, { message: `token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}` })
  token_endpoint_auth_method?: TokenEndpointAuthMethod;

  @IsOptional()
  @IsArray()
  @IsIn(GRANT_TYPES, { each: true, message: `grant_types may contain ${GRANT_TYPES.join(', ')}` })
  grant_types?: GrantType[];

  @IsOptional()
  @IsArray()
  @IsIn(['code'], { each: true, message: 'response_types may only contain "code"' })
  response_types?: string[];

  /** OpenID Connect Dynamic Client Registration §2. */
  @IsOptional()
  @IsIn(APPLICATION_TYPES, { message: `application_type must be one of ${APPLICATION_TYPES.join(', ')}` })
  application_type?: ApplicationType;

  @IsOptional()
  @IsString()
  @MaxLength(100, { message: 'client_name: at most 100 characters' })
  @IsDisplayText()
  client_name?: string;

  @IsOptional()
  @IsUrl({ protocols: ['https'], require_protocol: true, require_tld: false }, { message: 'client_uri must be an https URL' })
  client_uri?: string;

  @IsOptional()
  @IsUrl({ protocols: ['https'], require_protocol: true, require_tld: false }, { message: 'logo_uri must be an https URL' })
  logo_uri?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, { message: 'scope must be space-separated scope tokens' })
  @MaxLength(1000)
  scope?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  @IsDisplayText()
  software_id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  @IsDisplayText()
  software_version?: string;
}

/** The metadata fields RegisterClientDto declares (what /register reads from a body). */
export const REGISTRATION_FIELDS = [
  'redirect_uris',
  'token_endpoint_auth_method',
  'grant_types',
  'response_types',
  'client_name',
  'client_uri',
  'logo_uri',
  'scope',
  'software_id',
  'software_version',
  'application_type',
] as const satisfies ReadonlyArray<keyof RegisterClientDto>;
