import type { EventPlan } from '../rules/map-event.js';
import type { RecordInfo } from '../sync/records.js';

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

