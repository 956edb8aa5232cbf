import { ApiPropertyOptional } from '../api-docs.js';
import { IsOptional, IsUUID } from 'class-validator';
import { QueryFlag } from '../query.decorators.js';

export class ListApiKeysQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Keys of this user' })
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  @QueryFlag('Include revoked keys (default false)')
  includeRevoked?: boolean;
}
