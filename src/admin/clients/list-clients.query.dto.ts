import { ApiPropertyOptional } from '../api-docs.js';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import type { ClientKind } from '../../oauth/clients/oauth-client.js';
import { PageCursor, PageLimit, QueryFlag } from '../query.decorators.js';

const CLIENT_KINDS: readonly ClientKind[] = ['dcr', 'cimd', 'static', 'admin'];

export class ListClientsQueryDto {
  @ApiPropertyOptional({ enum: CLIENT_KINDS, description: 'How the client was registered (admin: through POST /admin/clients)' })
  @IsOptional()
  @IsIn(CLIENT_KINDS)
  kind?: ClientKind;

  @QueryFlag('Only revoked (true) or only live (false) clients')
  revoked?: boolean;

  @ApiPropertyOptional({ description: 'Substring of the client name or client_id (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;

  @PageLimit(100, 50)
  limit?: number;

  @PageCursor()
  cursor?: string;
}
