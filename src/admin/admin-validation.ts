import { BadRequestException, Param, ParseUUIDPipe, ValidationPipe, type ValidationError } from '@nestjs/common';

/** `{error: 'invalid_request', error_description}`, the shape of every other 400 of this server. */
export function invalidRequest(description: string): BadRequestException {
  return new BadRequestException({ error: 'invalid_request', error_description: description });
}

/**
 * The application's ValidationPipe (registered as APP_PIPE): DTO classes only, unknown properties
 * refused, query strings converted to the declared types; every problem listed in one 400.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors: ValidationError[]) => invalidRequest(messages(errors).join('; ')),
  });
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
