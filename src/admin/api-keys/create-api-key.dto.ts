import { ApiProperty, ApiPropertyOptional } from '../api-docs.js';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';

export class CreateApiKeyDto {
  @ApiProperty({ description: 'What the key is for, e.g. "CI deploy checks"', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({ type: [String], description: 'Scopes of the key; each must be a scope this server uses (see GET /.well-known/oauth-protected-resource)' })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  scopes: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 365, description: 'Expiry in days; no expiry when left out' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  expiresInDays?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'The user the key acts as; default: the calling administrator' })
  @IsOptional()
  @IsUUID('all')
  userId?: string;
}
