import { ApiPropertyOptional } from '../api-docs.js';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import type { AuditKind, AuditOutcome } from '../../audit/audit-event.js';
import { PageCursor, PageLimit } from '../query.decorators.js';

export const AUDIT_KINDS: readonly AuditKind[] = ['tool', 'resource', 'prompt', 'admin', 'auth'];
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['ok', 'error', 'denied', 'invalid', 'not_found', 'failed', 'input_required'];

export class AuditQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Events of this user' })
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  @ApiPropertyOptional({ description: 'Events of this client (an API key is "api-key:<id>")' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  clientId?: string;

  @ApiPropertyOptional({ description: 'Tool, resource, prompt or admin action, e.g. "notes.create" or "clients.revoke"' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  target?: string;

  @ApiPropertyOptional({ enum: AUDIT_KINDS })
  @IsOptional()
  @IsIn(AUDIT_KINDS)
  kind?: AuditKind;

  @ApiPropertyOptional({ enum: AUDIT_OUTCOMES })
  @IsOptional()
  @IsIn(AUDIT_OUTCOMES)
  outcome?: AuditOutcome;

  @ApiPropertyOptional({ format: 'date-time', description: 'At or after this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 date or date-time' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'At or before this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 date or date-time' })
  to?: string;

  @PageLimit(200, 50)
  limit?: number;

  @PageCursor()
  cursor?: string;
}
