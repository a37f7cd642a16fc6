/**
 * A row as an Event and Audience API batch: one person and one `custom_event`. The row goes through
 * the same mapping as for the legacy Event API (bindings, constants, field names, clientEventId,
 * eventTime, PII normalization and hashing); only the placement of the result is this API's.
 */
import { mapEventRecord, type EventPlan } from '../rules/map-event.js';
import { reject, type Mapped } from '../catalog/plan.js';
import { attributeProblem, BatchParts, serializeBatch, type DroppedField, type Environment, type SerializedBatch } from './batch.js';
import { eventRequestId } from './ids.js';
import { OLDEST_EVENT_AGE_MS } from './limits.js';
import { hasPlacement, placeField } from './placement.js';

export interface EventBatchInput {
  data: Record<string, unknown>;
  plan: EventPlan;
  /** Processing time (ms): the default event time and the reference for the time window. */
  nowMs: number;
  environment: Environment;
}

export interface MappedEventBatch extends SerializedBatch {
  clientEventId: string;
  /** Fields left out of the batch (a device id that is not a GUID…), for a warning. */
  dropped: DroppedField[];
}

/** Rokt's conversions are transactions; every other event type is `other`. */
const CONVERSION = 'conversion';

/** Maps one row to its batch, or says why it cannot be sent. Pure. */
export function mapEventBatch({ data, plan, nowMs, environment }: EventBatchInput): Mapped<MappedEventBatch> {
  const mapped = mapEventRecord({ data, plan, nowMs });
  if (!mapped.ok) return mapped;
  const event = mapped.value;
  const timeMs = Date.parse(event.eventTime);
  if (timeMs < nowMs - OLDEST_EVENT_AGE_MS) {
    return reject(
      'eventTime is more than 29 days old: mParticle asks that data older than 30 days not be sent to its Events API (its historical endpoint does not reach Rokt); send it through the legacy Event API (rokt_api "legacy") if it must go',
      'eventTime',
    );
  }
  const parts = new BatchParts();
  const customAttributes = new Map<string, string>();
  for (const { name, value } of event.objectData) {
    if (hasPlacement(name)) {
      const problem = placeField({ parts, name, value, hashPii: plan.hashPii });
      if (problem) return reject(problem, name);
      continue;
    }
    const tooLong = attributeProblem(name, value);
    if (tooLong) return reject(tooLong, name);
    customAttributes.set(name, value);
  }
  // This API has one set of custom attributes: `metadata.<name>` entries join them under <name>.
  for (const { name, value } of event.metaData ?? []) {
    const field = `metadata.${name}`;
    if (customAttributes.has(name)) return reject(`${field} and ${name} would both be the custom attribute "${name}" in the Event and Audience API; rename one`, field);
    const tooLong = attributeProblem(field, value);
    if (tooLong) return reject(tooLong, field);
    customAttributes.set(name, value);
  }
  const batch = serializeBatch({
    parts,
    environment,
    requestId: eventRequestId({ stream: plan.stream, clientEventId: event.clientEventId, environment }),
    event: {
      data: {
        event_name: event.eventType,
        custom_event_type: event.eventType === CONVERSION ? 'transaction' : 'other',
        source_message_id: event.clientEventId,
        timestamp_unixtime_ms: timeMs,
      },
      customAttributes,
    },
  });
  if (!batch.ok) return reject(batch.reason);
  return { ok: true, value: { ...batch.value, clientEventId: event.clientEventId, dropped: parts.dropped } };
}
