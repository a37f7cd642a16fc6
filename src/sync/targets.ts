import type { EventPlan } from '../catalog/map-event.js';
import type { AudienceTransport } from '../rokt/audience-api.js';
import type { EventsTransport } from '../rokt/events-api.js';
import type { ApiResponse } from '../rokt/http.js';
import type { AudienceBatch, AudienceItem } from './audience-changes.js';
import type { DeliveryTarget } from './deliver.js';
import type { RecordInfo } from './records.js';

export interface EventItem extends RecordInfo {
  /**
   * The event's JSON: text while it waits in a batch, then a view into the request body once that
   * is built, so events in flight hold no second copy (see eventsBody).
   */
  json: string | Buffer;
  /** UTF-8 length of `json`. */
  bytes: number;
  clientEventId: string;
  /** The stream's plan, to write a rejected event to the rejected-records file. */
  plan: EventPlan;
}

/** Input line numbers by stream label: which records a request carries (for the debug log). */
export function recordLines(records: readonly RecordInfo[]): Record<string, number[]> {
  const lines = new Map<string, number[]>();
  for (const record of records) {
    const numbers = lines.get(record.stream.label);
    if (numbers) numbers.push(record.line);
    else lines.set(record.stream.label, [record.line]);
  }
  return Object.fromEntries(lines);
}

/**
 * `{"accountId":…,"events":[…]}` encoded straight from the events serialized when they were
 * batched: no joined string (a 100-event body is a large object that only a full GC frees).
 * Each item's `json` then becomes a view into the body, so the text copies can be collected
 * while they are young instead of being carried, and promoted, for as long as the request runs.
 */
export function eventsBody(prefix: Buffer, items: readonly EventItem[]): Buffer {
  let size = prefix.length + Math.max(0, items.length - 1) + 2;
  for (const item of items) size += item.bytes;
  const body = Buffer.allocUnsafe(size);
  let offset = prefix.copy(body, 0);
  for (let index = 0; index < items.length; index += 1) {
    const item = items[index] as EventItem;
    if (index > 0) offset = body.writeUInt8(0x2c, offset); // ','
    const start = offset;
    offset += typeof item.json === 'string' ? body.write(item.json, offset) : item.json.copy(body, offset);
    item.json = body.subarray(start, offset);
  }
  body.write(']}', offset);
  return body;
}

/** Events requests: the body is assembled from events serialized once, when they were batched. */
export function eventsTarget(options: { transport: EventsTransport; accountId: string; onUnmatched: (count: number) => void }): DeliveryTarget<EventItem> {
  const prefix = Buffer.from(`{"accountId":${JSON.stringify(options.accountId)},"events":[`);
  return {
    name: `Event API ${options.transport.version} request`,
    conflictMeansDelivered: options.transport.conflictMeansDelivered,
    send: (items, requestKey) => options.transport.send(eventsBody(prefix, items), requestKey),
    records: recordLines,
    unprocessed: (items, response) => unprocessedEvents(items, response, options.onUnmatched),
  };
}

/** `{"data":{"unprocessedRecords":[{"error":{code,message},"record":{clientEventId…}}]}}`, matched by clientEventId. */
export function unprocessedEvents(items: readonly EventItem[], response: ApiResponse, onUnmatched: (count: number) => void): Map<EventItem, string> {
  const rejected = new Map<EventItem, string>();
  if (!response.body.includes('unprocessedRecords')) return rejected;
  let entries: unknown;
  try {
    entries = (JSON.parse(response.body) as { data?: { unprocessedRecords?: unknown } }).data?.unprocessedRecords;
  } catch {
    return rejected;
  }
  if (!Array.isArray(entries) || entries.length === 0) return rejected;
  const byId = new Map<string, EventItem[]>();
  for (const item of items) byId.set(item.clientEventId, [...(byId.get(item.clientEventId) ?? []), item]);
  let unmatched = 0;
  for (const entry of entries as { error?: { code?: string; message?: string }; record?: { clientEventId?: unknown } }[]) {
    const matching = byId.get(String(entry.record?.clientEventId));
    if (!matching) unmatched += 1;
    const reason = `Rokt did not process it: ${[entry.error?.code, entry.error?.message].filter(Boolean).join(': ') || 'no reason given'}`;
    for (const item of matching ?? []) rejected.set(item, reason);
  }
  if (unmatched > 0) onUnmatched(unmatched);
  return rejected;
}

export function audienceTarget(options: { transport: AudienceTransport; batch: AudienceBatch }): DeliveryTarget<AudienceItem> {
  const { transport } = options;
  const { list, action, key } = options.batch;
  return {
    name: `Audience API ${transport.version} ${action} request for list "${list}"`,
    conflictMeansDelivered: false,
    send: (items) => transport.send({ list, action, key, identifiers: items.map((item) => item.identifier) }),
    records: (items) => recordLines(items.flatMap((item) => item.records)),
  };
}
