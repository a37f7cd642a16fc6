/**
 * An audience row as an Event and Audience API batch: the person's identities and one
 * `audiencemembershipupdate` event saying `add` (include) or `drop` (exclude) for the audience. The
 * audience, the action and the email identity follow the same rules as for the legacy Audience API.
 */
import { mapAudienceRecord, type AudienceAction, type AudiencePlan } from '../rules/map-audience.js';
import { sha256Hex } from '../rules/normalize.js';
import { isEmptyValue, reject, toRoktString, type Mapped } from '../catalog/plan.js';
import { attributeProblem, BatchParts, serializeBatch, type DroppedField, type Environment, type SerializedBatch } from './batch.js';
import { changeIds, type ChangeKey } from './ids.js';
import { AUDIENCE_EXTRA_IDENTITIES, placeField } from './placement.js';

export interface AudienceBatchInput {
  data: Record<string, unknown>;
  plan: AudiencePlan;
  environment: Environment;
  /** Which change of the run this is: its ids are distinct from every other change's. */
  change: ChangeKey;
  /** The event's time (ms) for this (audience, person): later than their previous change's, so changes keep their order in time too. */
  timeOf: (who: { list: string; person: string }) => number;
}

export interface MappedAudienceBatch extends SerializedBatch {
  list: string;
  action: AudienceAction;
  /** Who the change is about: the SHA-256 of the normalized email, whichever form the row gave. */
  person: string;
  /** The event's time (ms), from `timeOf`. */
  timeMs: number;
  dropped: DroppedField[];
}

export const MEMBERSHIP_EVENT = 'audiencemembershipupdate';
const STATUS: Readonly<Record<AudienceAction, string>> = { include: 'add', exclude: 'drop' };
const EXTRA = new Set(AUDIENCE_EXTRA_IDENTITIES);

/** The row's extra identities (customer id, device ids) under their lower-cased Rokt names: constants first, row values win. */
function extraIdentities(data: Record<string, unknown>, plan: AudiencePlan): Map<string, string> {
  const found = new Map<string, string>();
  const keep = (name: string, value: unknown) => {
    const lower = name.toLowerCase();
    if (EXTRA.has(lower) && !isEmptyValue(value)) found.set(lower, toRoktString(value));
  };
  for (const [name, value] of plan.constants) keep(name, value);
  for (const column in data) keep(plan.renames.get(column) ?? column, data[column]);
  return found;
}

/** Maps one audience row to its batch, or says why it cannot be sent. Pure. */
export function mapAudienceBatch({ data, plan, environment, change, timeOf }: AudienceBatchInput): Mapped<MappedAudienceBatch> {
  const mapped = mapAudienceRecord({ data, plan });
  if (!mapped.ok) return mapped;
  const { list, action, key, identifier } = mapped.value;
  const listTooLong = attributeProblem('list', list);
  if (listTooLong) return reject(listTooLong, 'list');
  const person = key === 'sha256s' ? identifier : sha256Hex(identifier);
  const parts = new BatchParts();
  // A plain email goes only with hash_pii off; otherwise (or for a digest) the SHA-256 as `other`.
  parts.identities.set(key === 'emails' ? 'email' : 'other', identifier);
  for (const [name, value] of extraIdentities(data, plan)) {
    const problem = placeField({ parts, name, value, hashPii: plan.hashPii });
    if (problem) return reject(problem, name);
  }
  const ids = changeIds(change);
  const timeMs = timeOf({ list, person });
  const batch = serializeBatch({
    parts,
    environment,
    requestId: ids.requestId,
    event: {
      data: { event_name: MEMBERSHIP_EVENT, custom_event_type: 'other', source_message_id: ids.messageId, timestamp_unixtime_ms: timeMs },
      customAttributes: new Map([
        ['audience_name', list],
        ['status', STATUS[action]],
      ]),
    },
  });
  if (!batch.ok) return reject(batch.reason);
  return { ok: true, value: { ...batch.value, list, action, person, timeMs, dropped: parts.dropped } };
}
