/**
 * eventTime parsing and Rokt's acceptance window. Rokt refuses a whole request when one event is
 * older than 18 months or more than 5 minutes in the future, so offending rows are rejected here,
 * with a safety margin for time spent in retries.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/** `canonical`: the input already is the UTC `…T…:…:….sssZ` form Rokt gets, so it can be sent as is. */
export type ParsedTime = { ok: true; ms: number; canonical?: string } | { ok: false; reason: string };

const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Accepts RFC 3339 with any offset, epoch seconds and epoch milliseconds (numbers or digit strings). */
export function parseEventTime(value: unknown): ParsedTime {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return { ok: false, reason: `eventTime must be a timestamp string or epoch number, got ${typeof value}` };
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return fromEpoch(Number(text));
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return { ok: false, reason: 'eventTime is a date without a time and has no time zone' };
  const match = RFC3339.exec(text);
  if (!match) return { ok: false, reason: 'eventTime is not an RFC 3339 timestamp or epoch number' };
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  if (!zone) return { ok: false, reason: 'eventTime has no time zone (add Z or an offset such as +02:00)' };
  const year = Number(y);
  const month = Number(mo) - 1;
  const day = Number(d);
  const ms = Date.UTC(year, month, day, Number(h), Number(mi), Number(s ?? 0), fraction ? Math.floor(Number(fraction) * 1000) : 0);
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCDate() !== day || check.getUTCMonth() !== month || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 60) {
    return { ok: false, reason: 'eventTime is not a valid calendar date and time' };
  }
  const utcMs = ms - offsetMinutes(zone) * 60_000;
  return CANONICAL_UTC.test(text) ? { ok: true, ms: utcMs, canonical: text } : { ok: true, ms: utcMs };
}

function offsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
}

/** Below 1e11 a number is read as seconds (until year 5138), below 1e14 as milliseconds. */
function fromEpoch(value: number): ParsedTime {
  if (!Number.isFinite(value) || value < 0) return { ok: false, reason: 'eventTime epoch value is not a positive number' };
  if (value < 1e11) return { ok: true, ms: Math.round(value * 1000) };
  if (value < 1e14) return { ok: true, ms: Math.round(value) };
  return { ok: false, reason: 'eventTime epoch value is too large for milliseconds (microseconds are not accepted)' };
}

/** Margins inside Rokt's limits, so a row still passes after hours of retries or a skewed clock. */
const OLDEST_MARGIN_MS = 24 * 60 * 60 * 1000;
const FUTURE_LIMIT_MS = 4 * 60 * 1000;

export function eventTimeWindow(nowMs: number): { oldestMs: number; newestMs: number } {
  const oldest = new Date(nowMs);
  oldest.setUTCMonth(oldest.getUTCMonth() - 18);
  return { oldestMs: oldest.getTime() + OLDEST_MARGIN_MS, newestMs: nowMs + FUTURE_LIMIT_MS };
}

/** The window moves by the millisecond but rows arrive by the thousand: reuse it for the same `now`. */
let cachedWindow = { nowMs: Number.NaN, oldestMs: 0, newestMs: 0 };
function windowAt(nowMs: number): { oldestMs: number; newestMs: number } {
  if (cachedWindow.nowMs !== nowMs) cachedWindow = { nowMs, ...eventTimeWindow(nowMs) };
  return cachedWindow;
}

export function checkEventTimeWindow(ms: number, nowMs: number): string | undefined {
  const { oldestMs, newestMs } = windowAt(nowMs);
  if (ms < oldestMs) return 'eventTime is older than Rokt accepts (18 months)';
  if (ms > newestMs) return 'eventTime is more than 5 minutes in the future';
  return undefined;
}
