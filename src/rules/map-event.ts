import {
  CORE_FIELD_BY_LOWER_NAME,
  EVENT_FIELDS_BY_LOWER_NAME,
  METADATA_PREFIX,
  type EventField,
  type PiiKind,
} from './fields.js';
import { checkEventTimeWindow, parseEventTime } from './event-time.js';
import type { StreamKey } from '../protocol/airbyte-input.js';
import { hashPiiValue, isPlausibleEmail, isSha256Hex, normalizePiiValue, normalizeZip, sha256Hex } from './normalize.js';
import { isEmptyValue, reject, toRoktString, type FieldPlan, type Mapped } from '../catalog/plan.js';
import { namespaceOf } from '../catalog/stream-key-map.js';

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

/** A primary-key column as its path into the record: `["id"]`, or `["meta", "region"]` for a nested one. */
export type KeyPath = readonly string[];

export interface EventPlan extends FieldPlan {
  hashPii: boolean;
  /** Derive clientEventId from the values at these paths when the row carries none. Empty: never. */
  idFromPrimaryKey: readonly KeyPath[];
  /** The eventType of rows that have none (mapped or constant). Unset: such rows are rejected. */
  defaultEventType?: string;
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

/** What one destination name means, worked out once per name (not per row). */
type FieldRule =
  | { kind: 'core'; core: 'clientEventId' | 'eventType' | 'eventTime' }
  | { kind: 'meta'; entryName: string }
  | { kind: 'known'; field: EventField }
  | { kind: 'custom'; entryName: string }
  | { kind: 'reserved' };

/** A column: dropped (null), or the rule of the destination name it maps to. */
type ColumnRule = { target: string; rule: FieldRule } | null;

const ruleCache = new Map<string, FieldRule>();

function fieldRule(name: string): FieldRule {
  let rule = ruleCache.get(name);
  if (rule) return rule;
  const lower = name.toLowerCase();
  const core = CORE_FIELD_BY_LOWER_NAME.get(lower);
  const entryName = lower.startsWith(METADATA_PREFIX) ? name.slice(METADATA_PREFIX.length) : name;
  const known = EVENT_FIELDS_BY_LOWER_NAME.get(lower);
  if (core) rule = { kind: 'core', core };
  else if (RESERVED.test(entryName)) rule = { kind: 'reserved' };
  else if (entryName !== name) rule = { kind: 'meta', entryName };
  else if (known) rule = { kind: 'known', field: known };
  else rule = { kind: 'custom', entryName: name };
  if (ruleCache.size < 10_000) ruleCache.set(name, rule);
  return rule;
}

/** Column rules per plan: a stream's columns repeat on every row. */
const columnRulesByPlan = new WeakMap<FieldPlan, Map<string, ColumnRule>>();

function columnRulesOf(plan: FieldPlan): Map<string, ColumnRule> {
  let rules = columnRulesByPlan.get(plan);
  if (!rules) columnRulesByPlan.set(plan, (rules = new Map()));
  return rules;
}

function columnRule(plan: FieldPlan, rules: Map<string, ColumnRule>, column: string): ColumnRule {
  const known = rules.get(column);
  if (known !== undefined) return known;
  const renamed = plan.renames.get(column);
  const rule = fieldRule(renamed ?? column);
  const dropped = renamed === undefined && !plan.keepUnknownColumns && (rule.kind === 'custom' || rule.kind === 'reserved');
  const result = dropped ? null : { target: renamed ?? column, rule };
  if (rules.size < 10_000) rules.set(column, result);
  return result;
}

export interface DerivedIdInput {
  stream: StreamKey;
  keyPaths: readonly KeyPath[];
  /** The values at keyPaths, in the same order. */
  keyValues: readonly unknown[];
}

/**
 * Same row, same id: a UUID-shaped (36-char) digest of the stream identity, the key paths and the
 * key values. An un-namespaced stream keyed by top-level columns hashes `[name, ...values]`, as
 * earlier versions did, so its ids stay the same. Any other stream hashes an object naming its
 * namespace, name and key paths first: the earlier form (strings only) can never equal it, and
 * streams of one name in different namespaces, or keys differing only in nesting, never collide.
 */
export function deriveClientEventId({ stream, keyPaths, keyValues }: DerivedIdInput): string {
  const namespace = namespaceOf(stream);
  const identity = namespace === undefined && keyPaths.every((path) => path.length === 1) ? stream.name : { namespace: namespace ?? null, name: stream.name, key: keyPaths };
  const hex = sha256Hex(JSON.stringify([identity, ...keyValues.map(toRoktString)]));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The value at a path through nested objects; own properties only (a key `constructor` is data). */
function valueAt(data: Record<string, unknown>, path: KeyPath): unknown {
  let value: unknown = data;
  for (const part of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The event being built. A later value for a name replaces the earlier one in place. Rows carry a
 * dozen fields, so a linear search beats allocating a Map per row.
 */
class EventDraft {
  clientEventId: unknown = undefined;
  eventType: unknown = undefined;
  eventTime: unknown = undefined;
  readonly objectData: NameValue[] = [];
  readonly metaData: NameValue[] = [];
  /** Names set from an explicit …sha256 column, which a hashed plain column must not overwrite. */
  private explicitlyHashed: string[] | undefined;

  set(name: string, value: string): void {
    for (const entry of this.objectData) {
      if (entry.name === name) {
        entry.value = value;
        return;
      }
    }
    this.objectData.push({ name, value });
  }

  /** Adds a field under its rule; returns a reason when the row must be rejected. */
  add(target: string, rule: FieldRule, raw: unknown, hashPiiOn: boolean): string | undefined {
    if (rule.kind === 'core') {
      this[rule.core] = raw;
      return undefined;
    }
    if (rule.kind === 'reserved') return "names beginning with 'rokt.' are reserved by Rokt";
    const value = toRoktString(raw);
    if (value.length > MAX_VALUE_CHARS) return `value is longer than Rokt's ${MAX_VALUE_CHARS} characters`;
    if (rule.kind === 'meta') this.metaData.push({ name: rule.entryName, value });
    else if (rule.kind === 'custom') this.set(target, value);
    else return this.addKnown(rule.field, value, hashPiiOn);
    return undefined;
  }

  private addKnown(field: EventField, value: string, hashPiiOn: boolean): string | undefined {
    if (field.sha256Of) {
      const trimmed = value.trim();
      if (!isSha256Hex(trimmed)) return `${field.name} must be a 64-hex SHA-256 digest`;
      this.set(field.name, trimmed.toLowerCase());
      (this.explicitlyHashed ??= []).push(field.name);
    } else if (field.pii && field.hashedName) {
      if (!hashPiiOn) return this.addPlainPii({ kind: field.pii, name: field.name, hashedName: field.hashedName }, value);
      const hashed = hashPiiValue(field.pii, value);
      if (!hashed.ok) return hashed.reason;
      const digest = hashed.digest;
      // An explicit …sha256 column wins over one computed from the plain column.
      if (digest !== undefined && !this.explicitlyHashed?.includes(field.hashedName)) this.set(field.hashedName, digest);
    } else {
      this.set(field.name, field.normalize === 'zip' ? normalizeZip(value) : value);
    }
    return undefined;
  }

  /**
   * hash_pii off: the value is sent as it is, but in Rokt's normalized form all the same (Rokt
   * matches on that form, and a malformed email would make it refuse the whole request).
   */
  private addPlainPii({ kind, name, hashedName }: { kind: PiiKind; name: string; hashedName: string }, value: string): string | undefined {
    const trimmed = value.trim();
    if (isSha256Hex(trimmed)) {
      // Already a digest: it goes under the hashed name, as with hashing on.
      if (!this.explicitlyHashed?.includes(hashedName)) this.set(hashedName, trimmed.toLowerCase());
      return undefined;
    }
    const normalized = normalizePiiValue(kind, value);
    if (!normalized.ok) return normalized.reason;
    if (normalized.normalized === '') return undefined;
    if (kind === 'email' && !isPlausibleEmail(normalized.normalized)) return 'email is not a valid email address';
    this.set(name, normalized.normalized);
    return undefined;
  }
}

let lastIso: { ms: number; iso: string } = { ms: Number.NaN, iso: '' };
function isoTime(ms: number): string {
  if (lastIso.ms !== ms) lastIso = { ms, iso: new Date(ms).toISOString() };
  return lastIso.iso;
}

/** Maps one record to a Rokt event, or says why it cannot be sent. Pure (caches are memoization). */
export function mapEventRecord({ data, plan, nowMs }: MapEventInput): Mapped<RoktEvent> {
  const draft = new EventDraft();
  for (const [target, value] of plan.constants) {
    const problem = draft.add(target, fieldRule(target), value, plan.hashPii);
    if (problem) return reject(problem, target);
  }
  const rules = columnRulesOf(plan);
  for (const column in data) {
    const raw = data[column];
    if (isEmptyValue(raw)) continue;
    const rule = columnRule(plan, rules, column);
    if (!rule) continue;
    const problem = draft.add(rule.target, rule.rule, raw, plan.hashPii);
    if (problem) return reject(problem, rule.target);
  }

  let clientEventId = isEmptyValue(draft.clientEventId) ? undefined : toRoktString(draft.clientEventId);
  if (clientEventId === undefined && plan.idFromPrimaryKey.length > 0) {
    const keyPaths = plan.idFromPrimaryKey;
    const keyValues = keyPaths.map((path) => valueAt(data, path));
    const missing = keyPaths.find((_, index) => isEmptyValue(keyValues[index]));
    if (missing !== undefined) return reject('primary-key value is empty, so no clientEventId can be derived', missing.join('.'));
    clientEventId = deriveClientEventId({ stream: plan.stream, keyPaths, keyValues });
  }
  if (clientEventId === undefined) return reject('clientEventId is required', 'clientEventId');
  if (clientEventId.length > MAX_CLIENT_EVENT_ID) return reject(`clientEventId is longer than ${MAX_CLIENT_EVENT_ID} characters`, 'clientEventId');
  // The row's (or a constant's) eventType wins over the configured default.
  const rawEventType = isEmptyValue(draft.eventType) ? plan.defaultEventType : draft.eventType;
  if (isEmptyValue(rawEventType)) return reject('eventType is required', 'eventType');
  const eventType = toRoktString(rawEventType);
  if (eventType.length > MAX_EVENT_TYPE) return reject(`eventType is longer than ${MAX_EVENT_TYPE} characters`, 'eventType');

  let eventTime: string;
  if (isEmptyValue(draft.eventTime)) {
    eventTime = isoTime(nowMs);
  } else {
    const parsed = parseEventTime(draft.eventTime);
    if (!parsed.ok) return reject(parsed.reason, 'eventTime');
    const outside = checkEventTimeWindow(parsed.ms, nowMs);
    if (outside) return reject(outside, 'eventTime');
    eventTime = parsed.canonical ?? new Date(parsed.ms).toISOString();
  }

  const event: RoktEvent = { clientEventId, eventType, eventTime, objectData: draft.objectData };
  if (draft.metaData.length > 0) event.metaData = draft.metaData;
  return { ok: true, value: event };
}
