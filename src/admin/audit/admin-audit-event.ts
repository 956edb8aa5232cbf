import type { AuditKind, AuditOutcome } from '../../audit/audit-event.js';

export interface AdminAuditEvent {
  id: string;
  occurredAt: Date;
  requestId: string | null;
  userId: string | null;
  login: string | null;
  clientId: string | null;
  credential: string | null;
  kind: AuditKind;
  target: string;
  outcome: AuditOutcome;
  latencyMs: number | null;
  detail: Record<string, unknown> | null;
}

export interface AuditFilter {
  userId?: string;
  clientId?: string;
  target?: string;
  kind?: AuditKind;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
}
