/**
 * The ids the Event and Audience API deduplicates on. `source_request_id` (per batch): the API drops
 * a batch whose id it has seen for the same key within 30–60 days. `source_message_id` (per event):
 * should be unique, and differ between a conversion and a membership event.
 */
import { sha256Hex } from '../rules/normalize.js';
import { namespaceOf } from '../catalog/stream-key-map.js';
import type { StreamKey } from '../protocol/airbyte-input.js';
import type { Environment } from './batch.js';

/** A UUID-shaped (8-4-4-4-12) view of a SHA-256 digest of the parts. */
function uuidOf(parts: readonly unknown[]): string {
  const hex = sha256Hex(JSON.stringify(parts));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * An event's batch id, the same on every retry and every re-run (the stream's identity and the row's
 * clientEventId), so a batch that already landed — its answer lost, or re-sent from an older
 * checkpoint — is dropped by the API instead of counted twice.
 */
export function eventRequestId(options: { stream: StreamKey; clientEventId: string; environment: Environment }): string {
  const { stream, clientEventId, environment } = options;
  return uuidOf(['event-batch', environment, namespaceOf(stream) ?? null, stream.name, clientEventId]);
}

/** One audience change of this run: `run` is drawn once per run, `sequence` counts the run's changes. */
export interface ChangeKey {
  run: string;
  sequence: number;
}

/**
 * An audience change's batch and event ids: distinct for every change, even the same change of the
 * same person again (add → drop → add), so none is swallowed as a duplicate; the same for every
 * retry of that change within the run.
 */
export function changeIds(change: ChangeKey): { requestId: string; messageId: string } {
  return { requestId: uuidOf(['audience-batch', change.run, change.sequence]), messageId: uuidOf(['audience-event', change.run, change.sequence]) };
}
