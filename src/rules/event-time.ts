/**
 * eventTime parsing and Rokt's acceptance window. Rokt refuses a whole request when one event is
 * older than 18 months or more than 5 minutes in the future, so offending rows are rejected here,
 * with a safety margin for time spent in retries.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/** `canonical`: the input already is the UTC `…T…:…:….sssZ` form Rokt gets, so it can be sent as is. */
export type ParsedTime = { ok: true; ms: number; canonical?: string } | { ok: false; reason: string };

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written at text[from, to), or -1 if a character there is not a digit. */
function digitsAt(text: string, from: number, to: number): number {
  let value = 0;
  for (let index = from; index < to; index += 1) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Most warehouses export UTC as `YYYY-MM-DDTHH:MM:SS.sssZ`, the form Rokt gets: read it digit by
 * digit (a regex and a Date round trip cost several times more, on every event).
 * Returns undefined for anything else, including impossible dates, which the general parser then explains.
 */
function canonicalUtcMs(text: string): number | undefined {
  if (text.length !== 24 || text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':' || text[19] !== '.' || text[23] !== 'Z') return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hour = digitsAt(text, 11, 13);
  const minute = digitsAt(text, 14, 16);
  const second = digitsAt(text, 17, 19);
  const milli = digitsAt(text, 20, 23);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || milli < 0) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (DAYS_IN_MONTH[month - 1] as number) + (leap ? 1 : 0)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, milli);
}

/** Accepts RFC 3339 with any offset, epoch seconds and epoch milliseconds (numbers or digit strings). */
export function parseEventTime(value: unknown): ParsedTime {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return { ok: false, reason: `eventTime must be a timestamp string or epoch number, got ${typeof value}` };
  const text = value.trim();
  const canonicalMs = canonicalUtcMs(text);
  if (canonicalMs !== undefined) return { ok: true, ms: canonicalMs, canonical: text };
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
  const offset = offsetMinutes(zone);
  if (offset === undefined) return { ok: false, reason: 'eventTime has an invalid UTC offset (hours 00-23, minutes 00-59)' };
  return { ok: true, ms: ms - offset * 60_000 };
}

/** Minutes east of UTC, or undefined for an offset RFC 3339 does not allow (e.g. +25:00, +05:99). */
function offsetMinutes(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

/** Below 1e11 a number is read as seconds (until year 5138), below 1e14 as milliseconds. */
function fromEpoch(value: number): ParsedTime {
  if (!Number.isFinite(value) || value < 0) return { ok: false, reason: 'eventTime epoch value is not a positive number' };
  if (value < 1e11) return { ok: true, ms: Math.round(value * 1000) };
  if (value < 1e14) return { ok: true, ms: Math.round(value) };
  return { ok: false, reason: 'eventTime epoch value is too large for milliseconds (microseconds are not accepted)' };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * "18 months" is 546 to 550 days counted in calendar months (depending on the date), 547.5 or
 * 547.875 days counted as 1.5 years, and 540 days counted as 30-day months. A fixed duration below
 * the shortest of these is inside every reading on every date, so no server that reads it another
 * way refuses a whole request for one event: 540 days, less a day kept for retries and clock skew.
 */
export const OLDEST_EVENT_AGE_MS = 539 * DAY_MS;
/** Rokt allows 5 minutes ahead; one is kept for clock skew. */
export const NEWEST_EVENT_LEAD_MS = 4 * 60 * 1000;

export function eventTimeWindow(nowMs: number): { oldestMs: number; newestMs: number } {
  return { oldestMs: nowMs - OLDEST_EVENT_AGE_MS, newestMs: nowMs + NEWEST_EVENT_LEAD_MS };
}

export function checkEventTimeWindow(ms: number, nowMs: number): string | undefined {
  if (ms < nowMs - OLDEST_EVENT_AGE_MS) return 'eventTime is older than Rokt accepts (18 months)';
  if (ms > nowMs + NEWEST_EVENT_LEAD_MS) return 'eventTime is more than 5 minutes in the future';
  return undefined;
}
