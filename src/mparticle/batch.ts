/**
 * One mParticle batch: one person, their identities and attributes, and one event. Built as Maps
 * and turned into objects with Object.fromEntries, so a field named `__proto__` or `constructor` is
 * sent as the data it is.
 */
import { MAX_ATTRIBUTE_CHARS, MAX_BATCH_BYTES, MAX_CUSTOM_ATTRIBUTES, ROKT_MODULE_ID } from './limits.js';

export type Environment = 'production' | 'development';

export interface MparticleEventData {
  event_name: string;
  custom_event_type: 'transaction' | 'other';
  source_message_id: string;
  timestamp_unixtime_ms: number;
  custom_attributes?: Record<string, string>;
}

export interface MparticleBatch {
  environment: Environment;
  source_request_id: string;
  user_identities?: Record<string, string>;
  user_attributes?: Record<string, string>;
  device_info?: Record<string, string>;
  ip?: string;
  integration_attributes?: Record<string, Record<string, string>>;
  events: { event_type: 'custom_event'; data: MparticleEventData }[];
}

/** A field that was left out of a batch, and why (never its value). */
export interface DroppedField {
  field: string;
  reason: string;
}

/** Where a person's identities and attributes go in the batch, under the API's names. */
export class BatchParts {
  readonly identities = new Map<string, string>();
  readonly userAttributes = new Map<string, string>();
  readonly device = new Map<string, string>();
  ip: string | undefined;
  clickId: string | undefined;
  readonly dropped: DroppedField[] = [];
}

export interface SerializedBatch {
  json: string;
  /** UTF-8 length of `json`. */
  bytes: number;
}

export interface EventSpec {
  data: Omit<MparticleEventData, 'custom_attributes'>;
  customAttributes: ReadonlyMap<string, string>;
}

const nonEmpty = (map: ReadonlyMap<string, string>) => (map.size > 0 ? Object.fromEntries(map) : undefined);

/** Why a value cannot be sent as an attribute, or undefined. */
export function attributeProblem(field: string, value: string): string | undefined {
  return value.length > MAX_ATTRIBUTE_CHARS ? `${field} is longer than the ${MAX_ATTRIBUTE_CHARS.toLocaleString('en-US')} characters the Event and Audience API takes in a value` : undefined;
}

/**
 * The batch as JSON, or why it cannot be sent: over 100 custom attributes, or over 128 KB (the API's
 * answer to either is undocumented, so such a batch never leaves).
 */
export function serializeBatch(options: { parts: BatchParts; environment: Environment; requestId: string; event: EventSpec }): { ok: true; value: SerializedBatch } | { ok: false; reason: string } {
  const { parts, event } = options;
  if (event.customAttributes.size > MAX_CUSTOM_ATTRIBUTES) {
    return { ok: false, reason: `the event has ${event.customAttributes.size} custom attributes; the Event and Audience API takes at most ${MAX_CUSTOM_ATTRIBUTES}` };
  }
  const data: MparticleEventData = { ...event.data };
  const customAttributes = nonEmpty(event.customAttributes);
  if (customAttributes) data.custom_attributes = customAttributes;
  const batch: MparticleBatch = { environment: options.environment, source_request_id: options.requestId, events: [] };
  const identities = nonEmpty(parts.identities);
  if (identities) batch.user_identities = identities;
  const userAttributes = nonEmpty(parts.userAttributes);
  if (userAttributes) batch.user_attributes = userAttributes;
  const device = nonEmpty(parts.device);
  if (device) batch.device_info = device;
  if (parts.ip !== undefined) batch.ip = parts.ip;
  if (parts.clickId !== undefined) batch.integration_attributes = { [ROKT_MODULE_ID]: { passbackconversiontrackingid: parts.clickId } };
  batch.events.push({ event_type: 'custom_event', data });
  const json = JSON.stringify(batch);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_BATCH_BYTES) return { ok: false, reason: `the batch is ${bytes} bytes; the Event and Audience API takes at most ${MAX_BATCH_BYTES} bytes per batch` };
  return { ok: true, value: { json, bytes } };
}
