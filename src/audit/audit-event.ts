export type AuditKind = 'tool' | 'resource' | 'prompt' | 'admin' | 'auth';
export type AuditOutcome = 'ok' | 'error' | 'denied' | 'invalid' | 'not_found' | 'failed';

export interface AuditEvent {
  occurredAt: Date;
  requestId?: string;
  userId?: string;
  clientId?: string;
  kind: AuditKind;
  target: string;
  outcome: AuditOutcome;
  latencyMs?: number;
  detail?: Record<string, unknown>;
}
