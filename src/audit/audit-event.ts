export type AuditKind = 'tool' | 'resource' | 'prompt' | 'admin' | 'auth';
/** `input_required`: a round of a 2026-07-28 multi-round call that asked the client for input (the final round is audited too). */
export type AuditOutcome = 'ok' | 'error' | 'denied' | 'invalid' | 'not_found' | 'failed' | 'input_required';

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
