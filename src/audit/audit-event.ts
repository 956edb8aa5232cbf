export type AuditKind = 'tool' | 'resource' | 'prompt' | 'admin' | 'auth';
export type AuditOutcome = 'ok' | 'error' | 'denied' | 'invalid' | 'not_found' | 'failed';

export interface AuditEvent {
  occurredAt: Date;
  requestId?: string;
  userId?: string;
  /** The user's login when the event happened (logins can change; userId is the stable id). */
  login?: string;
  clientId?: string;
  /** The acting credential: `api_key:<id>`, `grant:<id>` or `token:<jti>` (see RequestContext). */
  credential?: string;
  kind: AuditKind;
  target: string;
  outcome: AuditOutcome;
  latencyMs?: number;
  detail?: Record<string, unknown>;
}
