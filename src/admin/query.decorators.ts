import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from './api-docs.js';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `limit`: an optional integer page size from the query string, 1..max. */
export function PageLimit(max: number, fallback: number): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: Number, minimum: 1, maximum: max, default: fallback, description: `Page size (at most ${max})` }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(max),
  );
}

/** `cursor`: the `nextCursor` of the previous page, unchanged. */
export function PageCursor(): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ type: String, description: 'nextCursor from the previous page' }), IsOptional(), IsString(), MaxLength(4096));
}

/** An optional `true`/`false` query flag; any other spelling is a 400 (never silently false). */
export function QueryFlag(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: Boolean, description }),
    IsOptional(),
    Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value)),
    IsBoolean({ message: '$property must be true or false' }),
  );
}
