import {
  CORE_FIELD_BY_LOWER_NAME,
  EVENT_FIELDS_BY_LOWER_NAME,
  METADATA_PREFIX,
  type EventField,
} from './fields.js';
import { checkEventTimeWindow, parseEventTime } from './event-time.js';
import { hashPii, isSha256Hex, normalizeZip, sha256Hex } from './normalize.js';
import { collectFields, isEmptyValue, reject, toRoktString, type FieldPlan, type Mapped } from './plan.js';

export interface NameValue {
  name: string;
  value: string;
}

/** One event as Rokt's Event API takes it. */
export interface RoktEvent {
  clientEventId: string;
  eventType: string;
  eventTime: string;
  objectData: NameValue[];
  metaData?: NameValue[];
}

export interface EventPlan extends FieldPlan {
  hashPii: boolean;
  /** Derive clientEventId from these source columns when the row carries none. Empty: never. */
  idFromPrimaryKey: readonly string[];
}

export interface MapEventInput {
  data: Record<string, unknown>;
  plan: EventPlan;
  /** Processing time (ms): the default eventTime and the reference for Rokt's window. */
  nowMs: number;
}

const MAX_VALUE_CHARS = 65_536;
const MAX_CLIENT_EVENT_ID = 36;
const MAX_EVENT_TYPE = 128;
const RESERVED = /^rokt\./i;

const isKnownEventName = (name: string): boolean => {
  const lower = name.toLowerCase();
  return CORE_FIELD_BY_LOWER_NAME.has(lower) || EVENT_FIELDS_BY_LOWER_NAME.has(lower) || lower.startsWith(METADATA_PREFIX);
};

/** Same row, same id: a UUID-shaped (36-char) digest of the stream and the primary-key values. */
export function deriveClientEventId(stream: string, keyValues: readonly unknown[]): string {
  const hex = sha256Hex(JSON.stringify([stream, ...keyValues.map(toRoktString)]));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Maps one record to a Rokt event, or says why it cannot be sent. Pure. */
export function mapEventRecord({ data, plan, nowMs }: MapEventInput): Mapped<RoktEvent> {
  const fields = collectFields(data, plan, isKnownEventName);
  const core: { clientEventId?: unknown; eventType?: unknown; eventTime?: unknown } = {};
  const objectData = new Map<string, string>();
  const explicitlyHashed = new Set<string>();
  const metaData: NameValue[] = [];

  for (const [name, raw] of fields) {
    const coreName = CORE_FIELD_BY_LOWER_NAME.get(name.toLowerCase());
    if (coreName) {
      core[coreName] = raw;
      continue;
    }
    const isMeta = name.toLowerCase().startsWith(METADATA_PREFIX);
    const entryName = isMeta ? name.slice(METADATA_PREFIX.length) : name;
    if (RESERVED.test(entryName)) return reject("names beginning with 'rokt.' are reserved by Rokt", name);
    const value = toRoktString(raw);
    if (value.length > MAX_VALUE_CHARS) return reject(`value is longer than Rokt's ${MAX_VALUE_CHARS} characters`, name);
    if (isMeta) {
      metaData.push({ name: entryName, value });
      continue;
    }
    const known = EVENT_FIELDS_BY_LOWER_NAME.get(name.toLowerCase());
    if (!known) {
      objectData.set(name, value);
      continue;
    }
    const problem = addKnownField({ field: known, value, hashPii: plan.hashPii, objectData, explicitlyHashed });
    if (problem) return reject(problem, name);
  }

  let clientEventId = isEmptyValue(core.clientEventId) ? undefined : toRoktString(core.clientEventId);
  if (clientEventId === undefined && plan.idFromPrimaryKey.length > 0) {
    const keyValues = plan.idFromPrimaryKey.map((column) => data[column]);
    const missing = plan.idFromPrimaryKey.find((_, index) => isEmptyValue(keyValues[index]));
    if (missing !== undefined) return reject('primary-key column is empty, so no clientEventId can be derived', missing);
    clientEventId = deriveClientEventId(plan.stream, keyValues);
  }
  if (clientEventId === undefined) return reject('clientEventId is required', 'clientEventId');
  if (clientEventId.length > MAX_CLIENT_EVENT_ID) return reject(`clientEventId is longer than ${MAX_CLIENT_EVENT_ID} characters`, 'clientEventId');
  if (isEmptyValue(core.eventType)) return reject('eventType is required', 'eventType');
  const eventType = toRoktString(core.eventType);
  if (eventType.length > MAX_EVENT_TYPE) return reject(`eventType is longer than ${MAX_EVENT_TYPE} characters`, 'eventType');

  let eventMs = nowMs;
  if (!isEmptyValue(core.eventTime)) {
    const parsed = parseEventTime(core.eventTime);
    if (!parsed.ok) return reject(parsed.reason, 'eventTime');
    const outside = checkEventTimeWindow(parsed.ms, nowMs);
    if (outside) return reject(outside, 'eventTime');
    eventMs = parsed.ms;
  }

  const event: RoktEvent = {
    clientEventId,
    eventType,
    eventTime: new Date(eventMs).toISOString(),
    objectData: [...objectData].map(([name, value]) => ({ name, value })),
  };
  if (metaData.length > 0) event.metaData = metaData;
  return { ok: true, value: event };
}

/** Adds a known field under Rokt's name, hashing PII; returns a reason when the row must be rejected. */
function addKnownField(input: {
  field: EventField;
  value: string;
  hashPii: boolean;
  objectData: Map<string, string>;
  explicitlyHashed: Set<string>;
}): string | undefined {
  const { field, value, objectData, explicitlyHashed } = input;
  if (field.sha256Of) {
    const trimmed = value.trim();
    if (!isSha256Hex(trimmed)) return `${field.name} must be a 64-hex SHA-256 digest`;
    objectData.set(field.name, trimmed.toLowerCase());
    explicitlyHashed.add(field.name);
    return undefined;
  }
  if (field.pii && field.hashedName) {
    if (!input.hashPii) {
      objectData.set(field.name, value);
      return undefined;
    }
    const digest = hashPii(field.pii, value);
    // An explicit …sha256 column wins over one computed from the plain column.
    if (digest !== undefined && !explicitlyHashed.has(field.hashedName)) objectData.set(field.hashedName, digest);
    return undefined;
  }
  objectData.set(field.name, field.normalize === 'zip' ? normalizeZip(value) : value);
  return undefined;
}
