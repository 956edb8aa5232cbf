/** `2025-11-22T10:00:00.123456Z`: UTC with microseconds, as the lists' cursors carry it. */
const UTC_MICROS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;

/**
 * SECURITY 36: whether `value` is a real UTC timestamp with microseconds that Postgres accepts.
 * `Date.parse` is not enough: it takes `2021-02-31` (rolling over to March), `24:00`, year 0, `2020`
 * and `March 7`, and Postgres refuses the first three.
 */
export function isUtcMicrosTimestamp(value: string): boolean {
  const m = UTC_MICROS.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  if (year < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * `2025-11-22T10:00:00.123Z`: what people and clients see, the admin API's `toISOString()` format. The
 * database keeps microseconds (the lists' cursors need them); shown values are cut to milliseconds.
 */
export function toMillisTimestamp(micros: string): string {
  return micros.length === 27 && micros.endsWith('Z') ? `${micros.slice(0, 23)}Z` : micros;
}
