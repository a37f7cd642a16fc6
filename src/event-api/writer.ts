import { legacyAccountId } from '../rokt/account.js';
import { mapEventRecord, type EventPlan, type RoktEvent } from '../rules/map-event.js';
import { reject, type Mapped } from '../catalog/plan.js';
import { ConfigError } from '../errors.js';
import { Batcher, type Batch } from '../sync/batcher.js';
import type { DeliveryTarget } from '../sync/deliver.js';
import type { FamilyWriter, MapInput, WriterContext } from '../sync/family.js';
import { hashedCopy } from '../sync/rejected-record.js';
import { unprocessedEvents } from './answer.js';
import { eventsBody, type EventItem } from './body.js';
import { createEventsTransport } from './client.js';
import { eventAuth } from './credentials.js';

/** Rokt documents no byte limit; staying well under 1 MB keeps every request safe. */
export const MAX_EVENT_REQUEST_BYTES = 900_000;
/** One key: every event of a run may share a request. */
const EVENTS = 'events';

/** Events for the Event API (v1 or v2): one serialized event per row, up to `batch_size` per request. */
export function eventApiWriter(context: WriterContext): FamilyWriter<EventItem, EventItem, Batch<EventItem>> {
  const { config, sender } = context;
  // A dry run needs no credentials: it shows the current API version's requests.
  const auth = eventAuth(config) ?? (sender.dryRun ? { version: 'v2' as const, publicKey: '', secretKey: '' } : undefined);
  if (!auth) throw new ConfigError('Streams send events, but no Event API credentials are configured: set app_id and app_secret (v1) or public_key and secret_key (v2)');
  const transport = createEventsTransport({ auth, sender, apiUrl: config.api_url });
  const batcher = new Batcher<EventItem>({ maxItems: config.batch_size, maxBytes: MAX_EVENT_REQUEST_BYTES });
  const prefix = Buffer.from(`{"accountId":${JSON.stringify(legacyAccountId(config))},"events":[`);
  // Nothing to reject when Rokt names no event of the request: make the mismatch visible.
  const onUnmatched = (count: number) =>
    context.log('ERROR', `Rokt reported ${count} unprocessed records that match no clientEventId of the request; they cannot be told apart and were counted as accepted`);
  const target: DeliveryTarget<EventItem> = {
    name: `Event API ${transport.version} request`,
    conflictMeansDelivered: transport.conflictMeansDelivered,
    send: (items, requestKey) => transport.send(eventsBody(prefix, items), requestKey),
    unprocessed: (items, response) => unprocessedEvents(items, response, onUnmatched),
  };
  return {
    map: (input) => mapEvent(input),
    batches: {
      add: (item) => ({ ready: batcher.add(EVENTS, item, item.bytes + 1) }),
      takeAll: () => batcher.takeAll(),
      takeOlderThan: (ageMs) => batcher.takeOlderThan(ageMs),
      get open() {
        return batcher.openBatches;
      },
    },
    target: () => target,
    records: (item) => [item],
    rejectedCopy: (item) => rejectedEventCopy(item),
  };
}

function mapEvent({ record, data, route, nowMs }: MapInput): Mapped<EventItem> {
  const plan = route.plan as EventPlan;
  const mapped = mapEventRecord({ data, plan, nowMs });
  if (!mapped.ok) return mapped;
  const json = JSON.stringify(mapped.value);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_EVENT_REQUEST_BYTES) return reject(`the event is larger than the ${MAX_EVENT_REQUEST_BYTES}-byte request limit`);
  // A literal of fixed shape (not a spread of the record): every item shares one hidden class.
  return { ok: true, value: { ref: record.ref, stream: record.stream, line: record.line, json, bytes, clientEventId: mapped.value.clientEventId, plan } };
}

/**
 * A rejected event as the rejected-records file shows it: its fields as a row under Rokt's names,
 * through the same copy as rows rejected before sending (PII hashed whatever hash_pii says).
 */
function rejectedEventCopy(item: EventItem): Record<string, unknown> {
  const event = JSON.parse(item.json.toString()) as RoktEvent;
  const row = new Map<string, unknown>([
    ['clientEventId', event.clientEventId],
    ['eventType', event.eventType],
    ['eventTime', event.eventTime],
  ]);
  for (const { name, value } of event.objectData) row.set(name, value);
  for (const { name, value } of event.metaData ?? []) row.set(`metadata.${name}`, value);
  const asSent: EventPlan = { ...item.plan, renames: new Map(), constants: [], keepUnknownColumns: true };
  return hashedCopy(Object.fromEntries(row), asSent);
}
