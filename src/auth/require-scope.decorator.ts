import { SetMetadata } from '@nestjs/common';
import { MetadataKey } from '../common/metadata-keys.js';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Requires every listed scope. Works on REST handlers and on MCP tools, resources and prompts
 * (method or class). An empty or malformed list throws when the class is loaded, so a mistake
 * stops start-up rather than opening a route.
 */
export function RequireScope(...scopes: string[]): MethodDecorator & ClassDecorator {
  if (scopes.length === 0) throw new Error('@RequireScope() needs at least one scope');
  const bad = scopes.filter((s) => !SCOPE_TOKEN.test(s));
  if (bad.length) throw new Error(`@RequireScope(): invalid scope token(s): ${bad.map((s) => JSON.stringify(s)).join(', ')}`);
  return SetMetadata(MetadataKey.RequiredScopes, [...new Set(scopes)]);
}
