import { isStorableText } from '../common/text.js';
import type { AuditEvent } from './audit-event.js';

/** Longest value kept per field (UTF-16 code units); longer values are cut and marked with "…". */
export const AUDIT_LIMITS = {
  target: 200,
  requestId: 128,
  clientId: 512,
  kind: 32,
  outcome: 32,
  /** Any other string field of the event (added by a feature). */
  other: 256,
  /** A string inside `detail`. */
  detailString: 1000,
  detailKey: 100,
  detailKeys: 50,
  detailItems: 50,
  detailDepth: 5,
  /** The whole `detail` as JSON. */
  detailJson: 4096,
} as const;

const REPLACEMENT = '\uFFFD';
/** NUL (rejected by Postgres text and jsonb) and unpaired UTF-16 surrogates (rejected by jsonb). */
// eslint-disable-next-line no-control-regex -- NUL is exactly what Postgres refuses
const UNWRITABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT4_MAX = 2_147_483_647;
/** Times outside 1970..9999 are not real audit times (and some are beyond timestamptz's range). */
const TIME_MIN = Date.UTC(1970, 0, 1);
const TIME_MAX = Date.UTC(9999, 11, 31);

/** A string Postgres accepts as text and inside jsonb, at most `max` code units long. */
export function cleanString(value: string, max: number): string {
  const cut = value.length > max ? `${value.slice(0, max - 1)}…` : value;
  // The everyday string has neither: a native check first, where the lookaround regex costs microseconds.
  if (isStorableText(cut)) return cut;
  // Cutting may split a surrogate pair: the cleaning runs after the cut.
  return cut.replace(UNWRITABLE, REPLACEMENT);
}

function cleanJson(value: unknown, depth: number, seen: Set<object>): unknown {
  if (typeof value === 'string') return cleanString(value, AUDIT_LIMITS.detailString);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value !== 'object') return undefined; // undefined, functions, symbols: dropped, as JSON does
  if (seen.has(value)) return '[circular]';
  if (depth >= AUDIT_LIMITS.detailDepth) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, AUDIT_LIMITS.detailItems).map((v) => cleanJson(v, depth + 1, seen) ?? null);
      if (value.length > AUDIT_LIMITS.detailItems) items.push(`[${value.length - AUDIT_LIMITS.detailItems} more]`);
      return items;
    }
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    for (const key of keys.slice(0, AUDIT_LIMITS.detailKeys)) {
      const cleaned = cleanJson((value as Record<string, unknown>)[key], depth + 1, seen);
      if (cleaned !== undefined) out[cleanString(key, AUDIT_LIMITS.detailKey)] = cleaned;
    }
    if (keys.length > AUDIT_LIMITS.detailKeys) out['…'] = `${keys.length - AUDIT_LIMITS.detailKeys} more keys`;
    return out;
  } finally {
    seen.delete(value);
  }
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${value}`;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** `detail` as a JSON-safe object whose JSON is at most AUDIT_LIMITS.detailJson long. */
export function cleanDetail(detail: unknown): Record<string, unknown> | undefined {
  if (detail === undefined || detail === null) return undefined;
  let cleaned: unknown;
  try {
    cleaned = cleanJson(detail, 0, new Set());
  } catch (e) {
    // A getter that throws, a revoked proxy: keep the fact, not the value.
    return { unreadable: cleanString(String((e as Error)?.message ?? e), AUDIT_LIMITS.detailString) };
  }
  const object = cleaned !== null && typeof cleaned === 'object' && !Array.isArray(cleaned) ? (cleaned as Record<string, unknown>) : { value: cleaned };
  const json = JSON.stringify(object);
  if (json.length <= AUDIT_LIMITS.detailJson) return object;
  // The JSON kept as a string: cut until its own JSON (quotes and escapes included) fits.
  for (let keep = AUDIT_LIMITS.detailJson; ;) {
    const truncated = { truncated: true, json: cleanString(json, keep) };
    const size = JSON.stringify(truncated).length;
    if (size <= AUDIT_LIMITS.detailJson) return truncated;
    keep = Math.floor((keep * AUDIT_LIMITS.detailJson) / size) - 32;
  }
}

const KNOWN = new Set(['occurredAt', 'requestId', 'userId', 'clientId', 'kind', 'target', 'outcome', 'latencyMs', 'detail']);

/**
 * The event as Postgres will always accept it: no NUL, no lone surrogate, every string capped, a
 * valid uuid or none for `userId`, a finite int4 latency, a time between 1970 and 9999. Never throws. What had to be
 * changed beyond cutting is noted in `detail` so that the audit trail still shows it.
 */
export function sanitizeAuditEvent(event: AuditEvent): AuditEvent {
  const notes: Record<string, unknown> = {};
  const time = event.occurredAt instanceof Date ? event.occurredAt.getTime() : NaN;
  const occurredAt = time >= TIME_MIN && time <= TIME_MAX ? event.occurredAt : new Date();
  if (occurredAt !== event.occurredAt) notes.invalidOccurredAt = cleanString(String(event.occurredAt), AUDIT_LIMITS.other);
  let userId = event.userId;
  if (userId !== undefined && !(typeof userId === 'string' && UUID.test(userId))) {
    notes.invalidUserId = cleanString(asText(userId), AUDIT_LIMITS.other);
    userId = undefined;
  }
  const latency = event.latencyMs;
  const latencyMs = typeof latency === 'number' && Number.isFinite(latency) ? Math.min(Math.max(Math.round(latency), 0), INT4_MAX) : undefined;
  const str = (value: unknown, max: number): string | undefined => (value === undefined || value === null ? undefined : cleanString(asText(value), max));

  const clean: AuditEvent = {
    occurredAt,
    requestId: str(event.requestId, AUDIT_LIMITS.requestId),
    userId,
    clientId: str(event.clientId, AUDIT_LIMITS.clientId),
    kind: (str(event.kind, AUDIT_LIMITS.kind) ?? 'unknown') as AuditEvent['kind'],
    target: str(event.target, AUDIT_LIMITS.target) ?? '',
    outcome: (str(event.outcome, AUDIT_LIMITS.outcome) ?? 'unknown') as AuditEvent['outcome'],
    latencyMs,
  };
  // Fields added by features (e.g. the acting credential): strings are cleaned and capped, the rest kept.
  for (const [key, value] of Object.entries(event)) {
    if (KNOWN.has(key) || value === undefined) continue;
    (clean as unknown as Record<string, unknown>)[key] = typeof value === 'string' ? cleanString(value, AUDIT_LIMITS.other) : value;
  }
  const detail = cleanDetail(Object.keys(notes).length ? { ...(event.detail ?? {}), ...notes } : event.detail);
  if (detail) clean.detail = detail;
  return clean;
}
