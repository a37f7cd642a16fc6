// The simulator's Event and Audience API: `POST /v2/bulkevents` as mParticle's server-to-server API
// answers it for Rokt (contract: mParticle's public server-to-server Events API docs and Rokt's integration guide). Strict on what the
// contract documents: HTTP Basic, at most 100 batches and under 256 KB per request, 128 KB per batch,
// GUID device ids, valid IPs, scalar custom attributes of at most 4,096 characters, known event
// types. Refused batches are named in a 202 (or a 400 when every batch is refused) by JSON.NET-style
// messages that locate them by index, only by a character position, or not at all. Batches whose
// `source_request_id` was seen before are dropped silently, as the real API deduplicates.

import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Fault } from './faults.js';
import type { RecordedRequest } from './server.js';
import { isRecord } from './validate.js';

export interface MparticleSimCredentials {
  apiKey: string;
  apiSecret: string;
}

export const DEFAULT_MPARTICLE_CREDENTIALS: MparticleSimCredentials = { apiKey: 'sim-mparticle-key', apiSecret: 'sim-mparticle-secret' };

export interface MparticleSimOptions {
  /** How a refused batch is located in its error message: `[i]` path index, only a character position, or neither. Default 'index'. */
  errorLocation: 'index' | 'position' | 'none';
  /** The answer to an empty array with good credentials (undocumented). Default 202. */
  emptyRequestStatus: 202 | 400;
  /** The success status (202 documented, 200 seen too). Default 202. */
  successStatus: 200 | 202;
  /** How long a `source_request_id` is remembered (the API says 30–60 days). Default 30 days. */
  dedupeWindowMs: number;
}

export interface AcceptedBatch {
  requestSeq: number;
  /** This endpoint's own counter over accepted batches, in processing order. */
  order: number;
  batch: Record<string, unknown>;
}

export interface MembershipChange {
  requestSeq: number;
  order: number;
  audience: string;
  status: 'add' | 'drop';
  person: string;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Problem {
  /** Inside the batch, e.g. `device_info.ios_advertising_id`. */
  path: string;
  message: string;
}

export const MAX_BATCHES = 100;
export const MAX_REQUEST_BYTES = 256_000;
export const MAX_BATCH_BYTES = 128_000;
export const MAX_VALUE_CHARS = 4_096;
export const MAX_CUSTOM_ATTRIBUTES = 100;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const GUID_FIELDS = ['ios_advertising_id', 'android_advertising_id', 'ios_idfv'];
const CUSTOM_EVENT_TYPES = new Set(['navigation', 'location', 'search', 'transaction', 'user_content', 'user_preference', 'social', 'other', 'media']);
const MEMBERSHIP_EVENT = 'audiencemembershipupdate';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
const errorsBody = (messages: string[]) => ({ errors: messages.map((message) => ({ code: 'BAD_REQUEST', message: escapeHtml(message) })) });

export class MparticleBulkEvents {
  readonly credentials: MparticleSimCredentials = { ...DEFAULT_MPARTICLE_CREDENTIALS };
  readonly accepted: AcceptedBatch[] = [];
  /** Batches dropped because their `source_request_id` was seen before. */
  readonly duplicates: AcceptedBatch[] = [];
  readonly membershipChanges: MembershipChange[] = [];
  readonly #options: MparticleSimOptions = { errorLocation: 'index', emptyRequestStatus: 202, successStatus: 202, dedupeWindowMs: 30 * 24 * 60 * 60 * 1000 };
  readonly #seenRequestIds = new Map<string, number>();
  readonly #members = new Map<string, Set<string>>();
  #throttle: { remaining: number; retryAfterSeconds?: number; limit: string } | undefined;
  #order = 0;

  constructor(private readonly now: () => number = Date.now) {}

  configure(options: Partial<MparticleSimOptions>): void {
    Object.assign(this.#options, options);
  }

  /** Answer the next `times` requests (after authentication) with 429, `Retry-After` and `X-mp-rate-limit-exceeded`. */
  throttle(options: { times: number; retryAfterSeconds?: number; limit?: string }): void {
    this.#throttle = { remaining: options.times, retryAfterSeconds: options.retryAfterSeconds, limit: options.limit ?? 'org' };
  }

  /** An audience's members: the `other` identity (the email's SHA-256), else the SHA-256 of the normalized email. */
  audienceMembers(audience: string): Set<string> {
    return new Set(this.#members.get(audience));
  }

  receive(request: RecordedRequest, fault: Fault | undefined): Answer {
    const refusal = this.#refuseAuth(request) ?? this.#throttled();
    if (refusal) return refusal;
    const bytes = Buffer.byteLength(request.rawBody);
    if (bytes >= MAX_REQUEST_BYTES) return { status: 413, body: errorsBody([`The request is ${bytes} bytes; requests must be under ${MAX_REQUEST_BYTES} bytes.`]) };
    const body = request.body;
    if (body === undefined) return { status: 400, body: errorsBody([`Unexpected character encountered while parsing value. Path '', line 1, position ${Math.min(1, request.rawBody.length)}.`]) };
    if (!Array.isArray(body)) return { status: 400, body: errorsBody(["Cannot deserialize the current JSON object into type 'List`1[Batch]' because the type requires a JSON array. Path '', line 1, position 1."]) };
    if (body.length === 0) return { status: this.#options.emptyRequestStatus, body: this.#options.emptyRequestStatus === 400 ? errorsBody(['The request contains no batches.']) : undefined };
    if (body.length > MAX_BATCHES) return { status: 400, body: errorsBody([`The request holds ${body.length} batches; at most ${MAX_BATCHES} are allowed.`]) };
    const spans = topLevelSpans(request.rawBody);
    const refusedIds = new Set(fault?.kind === 'unprocessed' ? fault.clientEventIds : []);
    const messages: string[] = [];
    const good: number[] = [];
    body.forEach((batch: unknown, index) => {
      const span = spans[index] ?? { start: 0, end: request.rawBody.length };
      const problem = batchProblem(batch, Buffer.byteLength(request.rawBody.slice(span.start, span.end))) ?? simulatedRefusal(batch, refusedIds);
      if (problem) messages.push(this.#locate({ problem, index, span, rawBody: request.rawBody }));
      else good.push(index);
    });
    if (good.length === 0) return { status: 400, body: errorsBody(messages) };
    for (const index of good) this.#process(body[index] as Record<string, unknown>, request.seq);
    return { status: this.#options.successStatus, body: messages.length > 0 ? errorsBody(messages) : undefined };
  }

  #refuseAuth(request: RecordedRequest): Answer | undefined {
    const header = request.headers.authorization;
    const encoded = /^Basic\s+(\S+)$/i.exec(Array.isArray(header) ? (header[0] ?? '') : (header ?? ''))?.[1];
    if (encoded === undefined) return { status: 401 };
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const good = colon >= 0 && decoded.slice(0, colon) === this.credentials.apiKey && decoded.slice(colon + 1) === this.credentials.apiSecret;
    return good ? undefined : { status: 403 };
  }

  #throttled(): Answer | undefined {
    const throttle = this.#throttle;
    if (!throttle || throttle.remaining <= 0) return undefined;
    throttle.remaining -= 1;
    const headers: Record<string, string> = { 'x-mp-rate-limit-exceeded': throttle.limit };
    if (throttle.retryAfterSeconds !== undefined) headers['retry-after'] = String(throttle.retryAfterSeconds);
    return { status: 429, headers };
  }

  /** A JSON.NET-style message: the path (with or without the batch index) and a position inside the batch. */
  #locate(options: { problem: Problem; index: number; span: { start: number; end: number }; rawBody: string }): string {
    const { problem, index, span, rawBody } = options;
    if (this.#options.errorLocation === 'none') return `${problem.message}.`;
    const key = problem.path.split('.').pop() ?? '';
    const keyAt = key === '' ? -1 : rawBody.indexOf(`"${key}":`, span.start);
    // The character after the key and its colon: inside the batch, as JSON.NET's positions are.
    const position = keyAt >= 0 && keyAt < span.end ? keyAt + key.length + 4 : span.end;
    const path = this.#options.errorLocation === 'index' ? `[${index}].${problem.path}` : problem.path;
    return `${problem.message}. Path '${path}', line 1, position ${position}.`;
  }

  #process(batch: Record<string, unknown>, requestSeq: number): void {
    const requestId = batch.source_request_id;
    const now = this.now();
    if (typeof requestId === 'string') {
      const seenAt = this.#seenRequestIds.get(requestId);
      if (seenAt !== undefined && now - seenAt < this.#options.dedupeWindowMs) {
        this.duplicates.push({ requestSeq, order: 0, batch });
        return;
      }
      this.#seenRequestIds.set(requestId, now);
    }
    const order = ++this.#order;
    this.accepted.push({ requestSeq, order, batch });
    for (const event of asArray(batch.events)) {
      const data = isRecord(event) && isRecord(event.data) ? event.data : undefined;
      if (data?.event_name !== MEMBERSHIP_EVENT || !isRecord(data.custom_attributes)) continue;
      const { audience_name: audience, status } = data.custom_attributes;
      const person = personOf(batch);
      if (typeof audience !== 'string' || (status !== 'add' && status !== 'drop') || person === undefined) continue;
      const members = this.#members.get(audience) ?? new Set<string>();
      this.#members.set(audience, members);
      if (status === 'add') members.add(person);
      else members.delete(person);
      this.membershipChanges.push({ requestSeq, order, audience, status, person });
    }
  }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function personOf(batch: Record<string, unknown>): string | undefined {
  const identities = isRecord(batch.user_identities) ? batch.user_identities : {};
  if (typeof identities.other === 'string') return identities.other.toLowerCase();
  if (typeof identities.email === 'string') return createHash('sha256').update(identities.email.trim().toLowerCase()).digest('hex');
  return undefined;
}

/** The character span of each element of a top-level JSON array (the text is valid JSON). */
export function topLevelSpans(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      if (depth === 1 && start < 0) start = index;
    } else if (char === '[' || char === '{') {
      if (depth === 1 && start < 0) start = index;
      depth += 1;
    } else if (char === ']' || char === '}') {
      depth -= 1;
      if (depth === 1 && start >= 0) {
        spans.push({ start, end: index + 1 });
        start = -1;
      } else if (depth === 0 && start >= 0) {
        spans.push({ start, end: index });
        start = -1;
      }
    } else if (char === ',') {
      if (depth === 1 && start >= 0) spans.push({ start, end: index });
      if (depth === 1) start = -1;
    } else if (depth === 1 && start < 0 && char !== undefined && !/\s/.test(char)) {
      start = index;
    }
  }
  return spans;
}

const isScalar = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value);
const quoted = (value: unknown) => JSON.stringify(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

/** What the API would refuse this batch for, or undefined. */
export function batchProblem(batch: unknown, bytes: number): Problem | undefined {
  if (!isRecord(batch)) return { path: '', message: "Error converting value to type 'Batch'" };
  if (bytes > MAX_BATCH_BYTES) return { path: '', message: `The batch is ${bytes} bytes; a batch may hold at most ${MAX_BATCH_BYTES} bytes` };
  if (batch.environment !== undefined && batch.environment !== 'production' && batch.environment !== 'development') {
    return { path: 'environment', message: `Error converting value ${quoted(batch.environment)} to type 'Environment'` };
  }
  if (batch.source_request_id !== undefined && typeof batch.source_request_id !== 'string') return { path: 'source_request_id', message: 'source_request_id must be a string' };
  return (
    stringMapProblem(batch.user_identities, 'user_identities') ??
    userAttributesProblem(batch.user_attributes) ??
    deviceProblem(batch.device_info) ??
    ipProblem(batch.ip) ??
    integrationProblem(batch.integration_attributes) ??
    eventsProblem(batch.events)
  );
}

function stringMapProblem(value: unknown, path: string): Problem | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return { path, message: `${path} must be an object` };
  for (const [key, inner] of Object.entries(value)) {
    if (inner !== null && typeof inner !== 'string') return { path: `${path}.${key}`, message: `Error converting value ${quoted(inner)} to type 'String'` };
    if (typeof inner === 'string' && inner.length > MAX_VALUE_CHARS) return { path: `${path}.${key}`, message: `The value of ${key} is ${inner.length} characters; the limit is ${MAX_VALUE_CHARS}` };
  }
  return undefined;
}

function userAttributesProblem(value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return { path: 'user_attributes', message: 'user_attributes must be an object' };
  for (const [key, inner] of Object.entries(value)) {
    const path = `user_attributes.${key}`;
    if (key.startsWith('$')) return { path, message: `The attribute name ${quoted(key)} is reserved` };
    const scalars = Array.isArray(inner) ? inner : [inner];
    if (!scalars.every(isScalar)) return { path, message: `Error converting value to type 'String': user attributes must be scalars or arrays of scalars` };
    if (scalars.some((scalar) => typeof scalar === 'string' && scalar.length > MAX_VALUE_CHARS)) return { path, message: `The value of ${key} is longer than ${MAX_VALUE_CHARS} characters` };
  }
  return undefined;
}

function deviceProblem(value: unknown): Problem | undefined {
  const problem = stringMapProblem(value, 'device_info');
  if (problem || !isRecord(value)) return problem;
  for (const field of GUID_FIELDS) {
    const id = value[field];
    if (id !== undefined && id !== null && !GUID.test(String(id))) return { path: `device_info.${field}`, message: `Error converting value ${quoted(id)} to type 'System.Guid'` };
  }
  return undefined;
}

function ipProblem(value: unknown): Problem | undefined {
  if (value === undefined || (typeof value === 'string' && isIP(value) !== 0)) return undefined;
  return { path: 'ip', message: `Error converting value ${quoted(value)} to type 'IPAddress'` };
}

function integrationProblem(value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return { path: 'integration_attributes', message: 'integration_attributes must be an object' };
  for (const [module, attributes] of Object.entries(value)) {
    const problem = stringMapProblem(attributes, `integration_attributes.${module}`) ?? (isRecord(attributes) ? undefined : { path: `integration_attributes.${module}`, message: 'must be an object' });
    if (problem) return problem;
  }
  return undefined;
}

function eventsProblem(value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return { path: 'events', message: 'events must be an array' };
  for (const [index, event] of value.entries()) {
    const path = `events[${index}]`;
    if (!isRecord(event) || typeof event.event_type !== 'string') return { path: `${path}.event_type`, message: "Required property 'event_type' not found in JSON" };
    if (event.event_type !== 'custom_event') continue;
    const data = event.data;
    if (!isRecord(data)) return { path: `${path}.data`, message: "Required property 'data' not found in JSON" };
    if (typeof data.event_name !== 'string' || data.event_name === '') return { path: `${path}.data.event_name`, message: 'event_name is required' };
    if (!CUSTOM_EVENT_TYPES.has(String(data.custom_event_type))) return { path: `${path}.data.custom_event_type`, message: `Error converting value ${quoted(data.custom_event_type)} to type 'CustomEventType'` };
    if (data.source_message_id !== undefined && typeof data.source_message_id !== 'string') return { path: `${path}.data.source_message_id`, message: 'source_message_id must be a string' };
    if (data.timestamp_unixtime_ms !== undefined && typeof data.timestamp_unixtime_ms !== 'number') return { path: `${path}.data.timestamp_unixtime_ms`, message: 'timestamp_unixtime_ms must be a number' };
    const attributes = data.custom_attributes;
    if (attributes === undefined) continue;
    if (!isRecord(attributes)) return { path: `${path}.data.custom_attributes`, message: 'custom_attributes must be an object' };
    const entries = Object.entries(attributes);
    if (entries.length > MAX_CUSTOM_ATTRIBUTES) return { path: `${path}.data.custom_attributes`, message: `An event may have at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes` };
    for (const [key, inner] of entries) {
      const where = `${path}.data.custom_attributes.${key}`;
      if (!isScalar(inner)) return { path: where, message: `Unexpected character encountered while parsing value: ${Array.isArray(inner) ? '[' : '{'}` };
      if (typeof inner === 'string' && inner.length > MAX_VALUE_CHARS) return { path: where, message: `The value of ${key} is longer than ${MAX_VALUE_CHARS} characters` };
    }
  }
  return undefined;
}

/** The `unprocessed` fault: a batch one of whose events carries a listed source_message_id is refused. */
function simulatedRefusal(batch: unknown, refusedIds: ReadonlySet<string>): Problem | undefined {
  if (refusedIds.size === 0 || !isRecord(batch)) return undefined;
  for (const [index, event] of asArray(batch.events).entries()) {
    const id = isRecord(event) && isRecord(event.data) ? event.data.source_message_id : undefined;
    if (typeof id === 'string' && refusedIds.has(id)) {
      return { path: `events[${index}].data.source_message_id`, message: `Simulated refusal of value ${quoted(id)}` };
    }
  }
  return undefined;
}
