import { BadRequestException, Param, ParseUUIDPipe, ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { isStorableText, STORABLE_TEXT_MESSAGE } from '../common/text.js';

/** `{error: 'invalid_request', error_description}`, the shape of every other 400 of this server. */
export function invalidRequest(description: string): BadRequestException {
  return new BadRequestException({ error: 'invalid_request', error_description: description });
}

/**
 * The application's ValidationPipe (registered as APP_PIPE): DTO classes only, unknown properties
 * refused, query strings converted to the declared types; every problem listed in one 400. Every
 * string a DTO receives, at any depth, must be storable text: Postgres refuses a NUL (a 500 otherwise)
 * and the driver would store a lone surrogate altered.
 */
export function createValidationPipe(): ValidationPipe {
  return new StorableTextValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors: ValidationError[]) => invalidRequest(messages(errors).join('; ')),
  });
}

class StorableTextValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.metatype && this.toValidate(metadata)) {
      const path = unstorableAt(value, '');
      if (path !== undefined) throw invalidRequest(`${path || metadata.type} ${STORABLE_TEXT_MESSAGE}`);
    }
    return super.transform(value, metadata);
  }
}

/** The path of the first string in `value` that is not storable text (keys included), if any. */
function unstorableAt(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  // Bodies are depth-limited before this (HttpModule); the bound only keeps this walk finite.
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (!isStorableText(key)) return at;
    const found = unstorableAt(item, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A route parameter that must be a UUID: anything else is a 400 before the handler runs. */
export const UuidParam = (name: string): ParameterDecorator =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => invalidRequest(`${name} must be a UUID`) }));

function messages(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => (!parent && m.includes(e.property) ? m : `${path}: ${m}`));
    return [...own, ...messages(e.children ?? [], path)];
  });
}
