import { randomUUID } from 'node:crypto';
import type { AudiencePlan } from '../rules/map-audience.js';
import type { EventPlan } from '../rules/map-event.js';
import type { Mapped } from '../catalog/plan.js';
import { ConfigError } from '../errors.js';
import type { ApiResponse } from '../rokt/http.js';
import type { DeliveryTarget } from '../sync/deliver.js';
import type { FamilyWriter, MapInput, WriterContext } from '../sync/family.js';
import type { StreamRef } from '../sync/streams.js';
import { readAnswer } from './answer.js';
import type { DroppedField } from './batch.js';
import { bulkBody } from './body.js';
import { bulkEventsClient, mparticleCredentials } from './client.js';
import type { MparticleItem, MparticleRequest } from './item.js';
import { MAX_BATCHES_PER_REQUEST, MAX_REQUEST_BYTES } from './limits.js';
import { mapAudienceBatch } from './map-audience.js';
import { mapEventBatch } from './map-event.js';
import { rejectedBatchCopy } from './rejected-copy.js';
import { ChangeTimes } from './change-times.js';
import { MparticleRequests } from './requests.js';

/** A field left out of a stream's batches: how often, and why (the first reason given). */
interface DroppedCount {
  count: number;
  reason: string;
}

/** Members sent per audience and action, for the end-of-run summary. */
interface ListCounts {
  list: string;
  action: string;
  members: number;
}

export const API_TITLE = 'Event and Audience API';

/** Events or audience changes for Rokt's Event and Audience API: one batch per row, up to 100 per request. */
export function mparticleWriter(context: WriterContext): FamilyWriter<MparticleItem, MparticleItem, MparticleRequest> {
  const { config, object, sender } = context;
  if (!mparticleCredentials(config) && !sender.dryRun) {
    throw new ConfigError(`rokt_api is "mparticle", but mparticle_api_key and mparticle_api_secret are not both set: the ${API_TITLE} needs them`);
  }
  const client = bulkEventsClient({ config, sender });
  const environment = config.mparticle_environment;
  const requests = new MparticleRequests({
    maxItems: Math.min(object === 'event' ? config.batch_size : config.audience_batch_size, MAX_BATCHES_PER_REQUEST),
    maxBytes: MAX_REQUEST_BYTES,
    now: context.now,
  });
  // Audience changes: ids distinct per change and per run; a person's changes in one millisecond get increasing times.
  const run = randomUUID();
  let sequence = 0;
  const changeTimes = new ChangeTimes();
  const dropped = new Map<StreamRef, Map<string, DroppedCount>>();
  const throttles = new Map<string, number>();
  const listCounts = new Map<string, Map<string, ListCounts>>();

  const noteDropped = (stream: StreamRef, line: number, fields: readonly DroppedField[]) => {
    let byField = dropped.get(stream);
    if (!byField) dropped.set(stream, (byField = new Map()));
    for (const { field, reason } of fields) {
      const known = byField.get(field);
      if (known) {
        known.count += 1;
        continue;
      }
      byField.set(field, { count: 1, reason });
      context.log('WARN', `Stream "${stream.label}" line ${line}: ${reason}; the row was sent without it (later ones of this stream are counted at the end of the run).`);
    }
  };

  const noteThrottle = (response: ApiResponse) => {
    const header = response.headers['x-mp-rate-limit-exceeded'];
    const limit = (Array.isArray(header) ? header[0] : header) ?? 'unnamed';
    const seen = throttles.get(limit) ?? 0;
    throttles.set(limit, seen + 1);
    if (seen === 0) {
      context.log('WARN', `The ${API_TITLE} answered HTTP 429: rate limit exceeded (X-mp-rate-limit-exceeded: ${limit}); the request is retried${response.headers['retry-after'] ? ' after its Retry-After' : ''}. Later 429s are counted at the end of the run.`);
    }
  };

  const map = (input: MapInput): Mapped<MparticleItem> => {
    const { record, data, route, nowMs } = input;
    if (route.object === 'event') {
      const mapped = mapEventBatch({ data, plan: route.plan as EventPlan, nowMs, environment });
      if (!mapped.ok) return mapped;
      if (mapped.value.dropped.length > 0) noteDropped(record.stream, record.line, mapped.value.dropped);
      return { ok: true, value: { record, json: mapped.value.json, bytes: mapped.value.bytes, clientEventId: mapped.value.clientEventId } };
    }
    const timeOf = (who: { list: string; person: string }) => changeTimes.next(who, nowMs);
    const mapped = mapAudienceBatch({ data, plan: route.plan as AudiencePlan, environment, change: { run, sequence: sequence + 1 }, timeOf });
    if (!mapped.ok) return mapped;
    const { list, person, action, json, bytes, timeMs } = mapped.value;
    // Only a change that goes counts: its id's sequence number and its time are taken.
    sequence += 1;
    changeTimes.used({ list, person }, timeMs);
    if (mapped.value.dropped.length > 0) noteDropped(record.stream, record.line, mapped.value.dropped);
    return { ok: true, value: { record, json, bytes, change: { list, person, action } } };
  };

  const target = (request: MparticleRequest): DeliveryTarget<MparticleItem> => {
    // The batches each answer refused, by position in the request that got it.
    const refusals = new WeakMap<ApiResponse, Map<number, string>>();
    return {
      name: `${API_TITLE} ${object === 'event' ? 'events' : 'audience'} request (mparticle_api_key/mparticle_api_secret)`,
      conflictMeansDelivered: false,
      async send(items) {
        // An earlier change of a person in this request must have settled first (see requests.ts).
        if (request.after.size > 0) {
          await Promise.all([...request.after].map((earlier) => earlier.settled));
          request.after.clear();
        }
        const body = bulkBody(items);
        const response = await client.send(body.text);
        if (response.status === 429) noteThrottle(response);
        const read = readAnswer(response, body.spans);
        const answer = { ...read.response };
        refusals.set(answer, read.refused);
        return answer;
      },
      unprocessed(items, response) {
        const refused = new Map<MparticleItem, string>();
        for (const [index, reason] of refusals.get(response) ?? []) {
          const item = items[index];
          if (item) refused.set(item, `the ${API_TITLE} refused the batch: ${reason}`);
        }
        return refused;
      },
    };
  };

  return {
    map,
    batches: requests,
    target,
    records: (item) => [item.record],
    rejectedCopy: (item) => rejectedBatchCopy(item),
    onSettled({ accepted }) {
      for (const item of accepted) {
        if (!item.change) continue;
        let byAction = listCounts.get(item.change.list);
        if (!byAction) listCounts.set(item.change.list, (byAction = new Map()));
        const entry = byAction.get(item.change.action) ?? { list: item.change.list, action: item.change.action, members: 0 };
        entry.members += 1;
        byAction.set(item.change.action, entry);
      }
    },
    finish() {
      const warnings: string[] = [];
      for (const [stream, byField] of dropped) {
        for (const [field, { count, reason }] of byField) {
          if (count > 1) warnings.push(`Stream "${stream.label}": ${count} rows were sent without their ${field} (${reason}).`);
        }
      }
      if (throttles.size > 0) {
        const byLimit = [...throttles].map(([limit, count]) => `${limit}: ${count}`).join(', ');
        warnings.push(`The ${API_TITLE} answered HTTP 429 to ${[...throttles.values()].reduce((sum, count) => sum + count, 0)} requests (by limit: ${byLimit}); they were retried. Lower concurrency if this recurs.`);
      }
      return warnings;
    },
    summary: () => (object === 'audience' ? { audience_lists: [...listCounts.values()].flatMap((byAction) => [...byAction.values()]) } : {}),
  };
}
