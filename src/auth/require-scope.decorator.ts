import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { MetadataKey } from '../common/metadata-keys.js';
import { DISPLAY_TEXT_MESSAGE, isDisplayText } from '../common/text.js';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const MAX_DESCRIPTION = 200;

/** What a person is asked to allow, shown on the consent page and published in the metadata. */
export interface ScopeOptions {
  /** One short sentence, e.g. "See the weather forecast for your cities". */
  description: string;
}

/**
 * Requires every listed scope. Works on REST handlers and on MCP tools, resources and prompts
 * (method or class; both apply). A team declares what its scope means next to its tool:
 * `@RequireScope('weather:read', { description: 'See the weather forecast' })` (one scope with
 * options). An empty or malformed list, or a bad description, throws when the class is loaded, so a
 * mistake stops start-up rather than opening a route.
 */
export function RequireScope(...args: [...scopes: string[], options: ScopeOptions] | string[]): MethodDecorator & ClassDecorator {
  const last = args[args.length - 1];
  const options = typeof last === 'object' && last !== null ? last : undefined;
  const scopes = (options ? args.slice(0, -1) : args) as unknown[];
  if (scopes.length === 0) throw new Error('@RequireScope() needs at least one scope');
  const bad = scopes.filter((s) => typeof s !== 'string' || !SCOPE_TOKEN.test(s));
  if (bad.length) throw new Error(`@RequireScope(): invalid scope token(s): ${bad.map((s) => JSON.stringify(s)).join(', ')}`);
  const names = [...new Set(scopes as string[])];
  if (!options) return SetMetadata(MetadataKey.RequiredScopes, names);
  if (names.length !== 1) throw new Error('@RequireScope(): a description belongs to exactly one scope; use one decorator per described scope');
  const problem = descriptionProblem(options.description);
  if (problem) throw new Error(`@RequireScope(${JSON.stringify(names[0])}): description ${problem}`);
  return applyDecorators(SetMetadata(MetadataKey.RequiredScopes, names), SetMetadata(MetadataKey.ScopeDescription, { [names[0]]: options.description.trim() }));
}

/** Why a scope description is unusable, or undefined (shown to people: plain, short, one line). */
export function descriptionProblem(description: unknown): string | undefined {
  if (typeof description !== 'string' || description.trim() === '') return 'must be a non-empty string';
  if (description.length > MAX_DESCRIPTION) return `must be at most ${MAX_DESCRIPTION} characters`;
  if (!isDisplayText(description)) return DISPLAY_TEXT_MESSAGE;
  return undefined;
}

/** The scope descriptions declared with @RequireScope on these targets (a method and its class, say). */
export function declaredScopeDescriptions(reflector: Reflector, targets: object[]): [scope: string, description: string][] {
  return targets.flatMap((t) => Object.entries(reflector.get<Record<string, string> | undefined>(MetadataKey.ScopeDescription, t as never) ?? {}));
}
