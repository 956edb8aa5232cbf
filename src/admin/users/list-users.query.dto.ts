import { ApiPropertyOptional } from '../api-docs.js';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PageCursor, PageLimit, QueryFlag } from '../query.decorators.js';

export class ListUsersQueryDto {
  @ApiPropertyOptional({ description: 'Substring of the login or name (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;

  @QueryFlag('Only disabled (true) or only enabled (false) users')
  disabled?: boolean;

  @PageLimit(100, 50)
  limit?: number;

  @PageCursor()
  cursor?: string;
}
