import type { AudienceAction } from '../rules/map-audience.js';
import type { FamilyBatch } from '../sync/family.js';
import type { RecordInfo } from '../sync/records.js';

/** One row on its way: its batch's JSON, serialized once when it was mapped. */
export interface MparticleItem {
  record: RecordInfo;
  json: string;
  /** UTF-8 length of `json`. */
  bytes: number;
  /** Events: the row's clientEventId (the batch's `source_message_id`). */
  clientEventId?: string;
  /** Audience changes: whose membership of which audience, so that one person's changes go one at a time. */
  change?: { list: string; person: string; action: AudienceAction };
}

/** The batches of one `/v2/bulkevents` request. */
export interface MparticleRequest extends FamilyBatch<MparticleItem> {
  readonly items: MparticleItem[];
  /** UTF-8 length of the request body these items make: `[`, the batches, their commas, `]`. */
  bytes: number;
  readonly openedAt: number;
  /** Requests carrying an earlier change of a person this one carries: this one is sent only once they settled. */
  readonly after: Set<MparticleRequest>;
  /** Resolves when this request has settled (accepted, rejected or given up). */
  readonly settled: Promise<void>;
}
