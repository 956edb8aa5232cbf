import { ApiProperty } from '../api-docs.js';
import { IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class CreateRevocationDto {
  @ApiProperty({ enum: ['client', 'token'], description: 'client: every token issued to this client_id (or azp) so far; token: one token by its jti' })
  @IsIn(['client', 'token'])
  kind: 'client' | 'token';

  @ApiProperty({ description: 'The client_id / azp, or the jti, as the company authorization server wrote it', maxLength: 255 })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @Matches(/^\P{Cc}+$/u, { message: 'subject must not contain control characters' })
  subject: string;
}
