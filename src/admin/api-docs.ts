import type * as Swagger from '@nestjs/swagger';

type SwaggerExports = typeof Swagger;
type DecoratorName =
  | 'ApiBearerAuth'
  | 'ApiCreatedResponse'
  | 'ApiOAuth2'
  | 'ApiOkResponse'
  | 'ApiOperation'
  | 'ApiParam'
  | 'ApiProperty'
  | 'ApiPropertyOptional'
  | 'ApiResponse'
  | 'ApiSecurity'
  | 'ApiTags';
type Apply = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => unknown;

interface Application {
  name: DecoratorName;
  args: unknown[];
  target: object;
  key?: string | symbol;
  descriptor?: PropertyDescriptor;
}

const applications: Application[] = [];

/**
 * A decorator of @nestjs/swagger, recorded where it is written and applied (same arguments, same
 * target, same order) when the OpenAPI document is first asked for: @nestjs/swagger and its
 * dependencies (about 500 files, 9 MB of heap) are then loaded only by a server whose /docs is used.
 */
function recorded<N extends DecoratorName>(name: N): SwaggerExports[N] {
  const factory = (...args: unknown[]) =>
    ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
      applications.push({ name, args, target, key, descriptor });
      return descriptor;
    }) as Apply;
  return factory as unknown as SwaggerExports[N];
}

export const ApiBearerAuth = recorded('ApiBearerAuth');
export const ApiCreatedResponse = recorded('ApiCreatedResponse');
export const ApiOAuth2 = recorded('ApiOAuth2');
export const ApiOkResponse = recorded('ApiOkResponse');
export const ApiOperation = recorded('ApiOperation');
export const ApiParam = recorded('ApiParam');
export const ApiProperty = recorded('ApiProperty');
export const ApiPropertyOptional = recorded('ApiPropertyOptional');
export const ApiResponse = recorded('ApiResponse');
export const ApiSecurity = recorded('ApiSecurity');
export const ApiTags = recorded('ApiTags');

/** Applies every decorator recorded so far with the real @nestjs/swagger (once: the list is emptied). */
export function applyRecordedApiDocs(swagger: SwaggerExports): void {
  for (const a of applications.splice(0)) {
    const factory = swagger[a.name] as unknown as (...args: unknown[]) => Apply;
    factory(...a.args)(a.target, a.key, a.descriptor);
  }
}
