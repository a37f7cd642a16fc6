import t from 'tap';
import { checkEventTimeWindow, eventTimeWindow, parseEventTime } from '../src/rules/event-time.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** `months` calendar months before `ms`, a day past the target month's end clamped to its last day. */
function calendarMonthsBeforeClamped(ms: number, months: number): number {
  const date = new Date(ms);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months + 1, 0)).getUTCDate();
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months, Math.min(date.getUTCDate(), lastDay), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds());
}

/** The same, a day past the month's end rolling into the next month (what JavaScript's setUTCMonth does). */
function calendarMonthsBeforeRolled(ms: number, months: number): number {
  const date = new Date(ms);
  date.setUTCMonth(date.getUTCMonth() - months);
  return date.getTime();
}

/** Every way a server might read "older than 18 months": the oldest instant each still accepts. */
function oldestAcceptedByEachReading(nowMs: number): Record<string, number> {
  return {
    'calendar months, clamped to the month end': calendarMonthsBeforeClamped(nowMs, 18),
    'calendar months, rolled over': calendarMonthsBeforeRolled(nowMs, 18),
    '1.5 years of 365 days': nowMs - 547.5 * DAY_MS,
    '1.5 years of 365.25 days': nowMs - 547.875 * DAY_MS,
    '18 months of 30 days': nowMs - 540 * DAY_MS,
  };
}

/** Every day of 2023-2030 (leap years 2024 and 2028, every month end), at midnight and just before. */
function everyDay(): number[] {
  const days: number[] = [];
  for (let ms = Date.UTC(2023, 0, 1); ms < Date.UTC(2031, 0, 1); ms += DAY_MS) days.push(ms, ms + DAY_MS - 1);
  return days;
}

t.test('the oldest eventTime sent is inside every reading of 18 months, with a day to spare, on every date', async (t) => {
  const failures: string[] = [];
  for (const nowMs of everyDay()) {
    const { oldestMs } = eventTimeWindow(nowMs);
    for (const [reading, readingOldestMs] of Object.entries(oldestAcceptedByEachReading(nowMs))) {
      if (oldestMs < readingOldestMs + DAY_MS) failures.push(`${new Date(nowMs).toISOString()}: ${reading}`);
    }
  }
  t.same(failures.slice(0, 10), [], `${failures.length} date/reading pairs where a strict server could refuse the request`);
});

t.test('an event 547.95 days old is rejected on every date; one 538 days old is sent', async (t) => {
  const sentTooOld: string[] = [];
  const refusedRecent: string[] = [];
  for (const nowMs of everyDay()) {
    if (checkEventTimeWindow(nowMs - 547.95 * DAY_MS, nowMs) === undefined) sentTooOld.push(new Date(nowMs).toISOString());
    if (checkEventTimeWindow(nowMs - 540 * DAY_MS, nowMs) === undefined) sentTooOld.push(new Date(nowMs).toISOString());
    if (checkEventTimeWindow(nowMs - 538 * DAY_MS, nowMs) !== undefined) refusedRecent.push(new Date(nowMs).toISOString());
  }
  t.same(sentTooOld.slice(0, 10), [], 'never sent');
  t.same(refusedRecent.slice(0, 10), [], 'always sent');
  const nowMs = Date.UTC(2026, 10, 27, 12);
  t.equal(checkEventTimeWindow(nowMs - 600 * DAY_MS, nowMs), 'eventTime is older than Rokt accepts (18 months)');
});

t.test('the future limit keeps a minute of Rokt\'s 5 for clock skew', async (t) => {
  const nowMs = Date.UTC(2024, 1, 29, 23, 59);
  t.equal(checkEventTimeWindow(nowMs + 4 * 60_000, nowMs), undefined);
  t.equal(checkEventTimeWindow(nowMs + 4 * 60_000 + 1, nowMs), 'eventTime is more than 5 minutes in the future');
});

t.test('UTC offsets RFC 3339 allows are converted; impossible ones are rejected, not converted', async (t) => {
  const utc = (text: string) => {
    const parsed = parseEventTime(text);
    return parsed.ok ? new Date(parsed.ms).toISOString() : parsed.reason;
  };
  t.equal(utc('2026-11-27T14:00:00+02:00'), '2026-11-27T12:00:00.000Z');
  t.equal(utc('2026-11-27T17:30:00+05:30'), '2026-11-27T12:00:00.000Z');
  t.equal(utc('2026-11-27T17:30:00+0530'), '2026-11-27T12:00:00.000Z', 'without the colon (ISO 8601 basic)');
  t.equal(utc('2026-11-28T11:59:00+23:59'), '2026-11-27T12:00:00.000Z', 'the largest offset');
  t.equal(utc('2026-11-27T00:01:00-23:59'), '2026-11-28T00:00:00.000Z', 'the smallest offset');
  t.equal(utc('2026-11-27T12:00:00-00:00'), '2026-11-27T12:00:00.000Z');
  const invalidOffset = 'eventTime has an invalid UTC offset (hours 00-23, minutes 00-59)';
  for (const text of ['2026-11-27T12:00:00+25:00', '2026-11-27T12:00:00+05:99', '2026-11-27T12:00:00-24:00', '2026-11-27T12:00:00+0560', '2026-11-27T12:00:00+99:99']) {
    t.equal(utc(text), invalidOffset, text);
  }
});
