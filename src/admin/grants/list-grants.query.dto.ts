import { ApiPropertyOptional } from '../api-docs.js';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PageCursor, PageLimit } from '../query.decorators.js';
import type { GrantStatus } from './admin-grant.js';

export class ListGrantsQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Grants of this user' })
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  @ApiPropertyOptional({ description: 'Grants of this client' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  clientId?: string;

  @ApiPropertyOptional({ enum: ['active', 'revoked'], description: 'Only live or only revoked grants (default: both)' })
  @IsOptional()
  @IsIn(['active', 'revoked'])
  status?: GrantStatus;

  @PageLimit(100, 50)
  limit?: number;

  @PageCursor()
  cursor?: string;
}
