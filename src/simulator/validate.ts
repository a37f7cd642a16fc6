// Request-body validation for the Rokt simulator, following Rokt's public Event API and Custom Audience API docs (docs.rokt.com).
// Every check returns a human-readable problem (naming the offending item) or undefined.

export const MAX_EVENTS_PER_REQUEST = 100;
export const MAX_CLIENT_EVENT_ID_LENGTH = 36;
export const MAX_EVENT_TYPE_LENGTH = 128;
export const MAX_ATTRIBUTE_VALUE_LENGTH = 65_536;
export const EVENT_TIME_MAX_AGE_MONTHS = 18;
export const EVENT_TIME_MAX_FUTURE_MS = 5 * 60 * 1000;
export const DEFAULT_AUDIENCE_LIST = 'AdvertiserDatabase';

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const RESERVED_NAME_PREFIX = 'rokt.';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/** The clientEventIds a parsed events body carries (used to match fault rules); of a bulkevents body, its events' source_message_ids. */
export function clientEventIdsOf(body: unknown): string[] {
  if (Array.isArray(body)) return body.flatMap((batch: unknown) => (isRecord(batch) && Array.isArray(batch.events) ? batch.events : [])).flatMap((event: unknown) => (isRecord(event) && isRecord(event.data) && typeof event.data.source_message_id === 'string' ? [event.data.source_message_id] : []));
  if (!isRecord(body) || !Array.isArray(body.events)) return [];
  return body.events.flatMap((event: unknown) =>
    isRecord(event) && typeof event.clientEventId === 'string' ? [event.clientEventId] : [],
  );
}

/** An event that passed validation: it has at least these two fields. */
export type RoktEvent = Record<string, unknown> & { clientEventId: string; eventType: string };

/** Checks the events of a request body; Rokt refuses the whole request if any one event is bad. */
export function parseEvents(body: unknown, nowMs: number): Parsed<RoktEvent[]> {
  const events = isRecord(body) ? body.events : undefined;
  if (!Array.isArray(events) || events.length === 0) return fail('events must be a non-empty array');
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    return fail(`events holds ${events.length} events; at most ${MAX_EVENTS_PER_REQUEST} are allowed per request`);
  }
  for (const [index, event] of events.entries()) {
    const problem = findEventProblem(event, nowMs);
    if (problem !== undefined) return fail(`events[${index}]${describeEventId(event)}: ${problem}`);
  }
  return { ok: true, value: events as RoktEvent[] }; // every event was checked above
}

function describeEventId(event: unknown): string {
  return isRecord(event) && typeof event.clientEventId === 'string'
    ? ` (clientEventId ${JSON.stringify(event.clientEventId)})`
    : '';
}

function findEventProblem(event: unknown, nowMs: number): string | undefined {
  if (!isRecord(event)) return 'must be an object';
  return (
    findBoundedStringProblem(event.clientEventId, 'clientEventId', MAX_CLIENT_EVENT_ID_LENGTH) ??
    findBoundedStringProblem(event.eventType, 'eventType', MAX_EVENT_TYPE_LENGTH) ??
    (event.eventTime === undefined ? undefined : findEventTimeProblem(event.eventTime, nowMs)) ??
    (event.objectData === undefined ? undefined : findAttributesProblem(event.objectData, 'objectData')) ??
    (event.metaData === undefined ? undefined : findAttributesProblem(event.metaData, 'metaData'))
  );
}

function findBoundedStringProblem(value: unknown, field: string, maxLength: number): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `${field} is required and must be a non-empty string`;
  if (value.length > maxLength) return `${field} is ${value.length} characters long; the limit is ${maxLength}`;
  return undefined;
}

function findEventTimeProblem(value: unknown, nowMs: number): string | undefined {
  const timeMs = parseRfc3339Utc(value);
  if (timeMs === undefined) {
    return `eventTime ${JSON.stringify(value)} is not an RFC 3339 UTC timestamp (e.g. 2026-11-20T08:15:00.000Z)`;
  }
  if (timeMs < monthsBefore(nowMs, EVENT_TIME_MAX_AGE_MONTHS)) {
    return `eventTime ${String(value)} is older than ${EVENT_TIME_MAX_AGE_MONTHS} months`;
  }
  if (timeMs > nowMs + EVENT_TIME_MAX_FUTURE_MS) {
    return `eventTime ${String(value)} is more than 5 minutes in the future`;
  }
  return undefined;
}

function parseRfc3339Utc(value: unknown): number | undefined {
  if (typeof value !== 'string' || !RFC3339_UTC.test(value)) return undefined;
  const ms = Date.parse(value);
  // Date.parse rolls impossible dates over (Feb 30 → Mar 2); a round trip catches them.
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== value.slice(0, 10)) return undefined;
  return ms;
}

function monthsBefore(ms: number, months: number): number {
  const date = new Date(ms);
  date.setUTCMonth(date.getUTCMonth() - months);
  return date.getTime();
}

function findAttributesProblem(list: unknown, field: string): string | undefined {
  if (!Array.isArray(list)) return `${field} must be an array of {name, value} objects`;
  for (const [index, item] of list.entries()) {
    if (!isRecord(item) || typeof item.name !== 'string' || typeof item.value !== 'string') {
      return `${field}[${index}] must be {"name": string, "value": string}`;
    }
    if (item.value.length > MAX_ATTRIBUTE_VALUE_LENGTH) {
      const length = item.value.length;
      return `${field}[${index}] (${item.name}) value is ${length} characters; the limit is ${MAX_ATTRIBUTE_VALUE_LENGTH}`;
    }
    if (item.name.toLowerCase().startsWith(RESERVED_NAME_PREFIX)) {
      return `${field}[${index}] name ${JSON.stringify(item.name)} is reserved (names beginning "rokt." are not allowed)`;
    }
  }
  return undefined;
}

// ---- Custom Audience import ----

export type AudienceAction = 'include' | 'exclude';
export type AudienceKey = 'email' | 'emails' | 'sha256' | 'sha256s';
const AUDIENCE_KEYS: readonly AudienceKey[] = ['email', 'emails', 'sha256', 'sha256s'];

export interface AudienceImport {
  action: AudienceAction;
  list: string;
  key: AudienceKey;
  identifiers: string[];
}

/** Parses an import/suppression body: one action, one list, exactly one identifier key. */
export function parseAudienceImport(body: unknown): Parsed<AudienceImport> {
  if (!isRecord(body)) return fail('body must be a JSON object');
  const { action, list = DEFAULT_AUDIENCE_LIST } = body;
  if (action !== 'include' && action !== 'exclude') return fail('action must be "include" or "exclude"');
  if (typeof list !== 'string' || list.length === 0) return fail('list must be a non-empty string');

  const presentKeys = AUDIENCE_KEYS.filter((key) => body[key] !== undefined);
  const [key] = presentKeys;
  if (key === undefined || presentKeys.length > 1) {
    return fail(`exactly one of email, emails, sha256, sha256s is required (got ${presentKeys.join(', ') || 'none'})`);
  }
  const identifiers = parseIdentifiers(key, body[key]);
  return identifiers.ok ? { ok: true, value: { action, list, key, identifiers: identifiers.value } } : identifiers;
}

function parseIdentifiers(key: AudienceKey, value: unknown): Parsed<string[]> {
  const isList = key === 'emails' || key === 'sha256s';
  const hashed = key === 'sha256' || key === 'sha256s';
  if (isList && (!Array.isArray(value) || value.length === 0)) return fail(`${key} must be a non-empty array of strings`);
  const values: unknown[] = isList ? (value as unknown[]) : [value];
  for (const [index, item] of values.entries()) {
    const where = isList ? `${key}[${index}]` : key;
    if (typeof item !== 'string' || item.length === 0) return fail(`${where} must be a non-empty string`);
    if (hashed && !isSha256Hex(item)) return fail(`${where} is not a SHA-256 hex digest (64 hex characters)`);
  }
  return { ok: true, value: values as string[] };
}

function fail(problem: string): { ok: false; problem: string } {
  return { ok: false, problem };
}
