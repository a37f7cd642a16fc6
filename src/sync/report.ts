import { createWriteStream, type WriteStream } from 'node:fs';
import { EVENT_FIELDS_BY_LOWER_NAME } from '../catalog/fields.js';
import { hashPii } from '../catalog/normalize.js';
import { isEmptyValue, toRoktString, type FieldPlan } from '../catalog/plan.js';

export interface StreamCounts {
  /** The Rokt object the stream goes to; unset for streams routed nowhere. */
  object?: 'event' | 'audience';
  received: number;
  accepted: number;
  rejected: number;
  rejectedByReason: Map<string, number>;
}

export interface Rejected {
  streamId: string;
  /** Input line of the record. */
  line: number;
  field?: string;
  reason: string;
  /** What to write to the rejected-records file: PII already hashed. */
  record?: unknown;
}

const LOGGED_PER_REASON = 5;

/**
 * Counts what happened to every record, per stream and per audience list, reports rejections
 * without raw PII, and writes the optional rejected-records file.
 */
export class RunReport {
  readonly streams = new Map<string, StreamCounts>();
  readonly lists = new Map<string, { list: string; action: string; members: number }>();
  readonly counters = { requests: 0, retries: 0, splits: 0 };
  invalidLines = 0;
  private readonly startedAt: number;
  private readonly file?: WriteStream;

  constructor(
    private readonly options: { log: (level: 'WARN', message: string) => void; rejectedRecordsPath?: string; now?: () => number },
  ) {
    this.startedAt = this.now();
    if (options.rejectedRecordsPath) this.file = createWriteStream(options.rejectedRecordsPath, { flags: 'a' });
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  stream(streamId: string): StreamCounts {
    let counts = this.streams.get(streamId);
    if (!counts) {
      counts = { received: 0, accepted: 0, rejected: 0, rejectedByReason: new Map() };
      this.streams.set(streamId, counts);
    }
    return counts;
  }

  accepted(streamId: string, count = 1): void {
    this.stream(streamId).accepted += count;
  }

  /** `quiet`: count only (the caller already said it once, e.g. for a stream routed nowhere). */
  rejected(rejection: Rejected, options: { quiet?: boolean } = {}): void {
    const counts = this.stream(rejection.streamId);
    counts.rejected += 1;
    const seen = (counts.rejectedByReason.get(rejection.reason) ?? 0) + 1;
    counts.rejectedByReason.set(rejection.reason, seen);
    if (options.quiet) return;
    const where = `stream "${rejection.streamId}" line ${rejection.line}${rejection.field ? ` field ${rejection.field}` : ''}`;
    if (seen <= LOGGED_PER_REASON) {
      this.options.log('WARN', `Rejected ${where}: ${rejection.reason}${seen === LOGGED_PER_REASON ? ' (further rejections for this reason are only counted)' : ''}`);
    }
    this.file?.write(JSON.stringify({ stream: rejection.streamId, line: rejection.line, field: rejection.field, reason: rejection.reason, record: rejection.record }) + '\n');
  }

  audienceMembersSent(list: string, action: string, count: number): void {
    const key = `${action}\u0000${list}`;
    const entry = this.lists.get(key) ?? { list, action, members: 0 };
    entry.members += count;
    this.lists.set(key, entry);
  }

  async close(): Promise<void> {
    const file = this.file;
    if (file) await new Promise<void>((resolve) => file.end(resolve));
  }

  summary(): { sentence: string; details: Record<string, unknown> } {
    const elapsedMs = Math.max(1, this.now() - this.startedAt);
    let received = 0;
    let accepted = 0;
    let rejected = 0;
    const streams: Record<string, unknown> = {};
    const objects: Record<string, { received: number; accepted: number; rejected: number }> = {};
    for (const [id, counts] of this.streams) {
      received += counts.received;
      accepted += counts.accepted;
      rejected += counts.rejected;
      const object = (objects[counts.object ?? 'unrouted'] ??= { received: 0, accepted: 0, rejected: 0 });
      object.received += counts.received;
      object.accepted += counts.accepted;
      object.rejected += counts.rejected;
      streams[id] = {
        received: counts.received,
        accepted: counts.accepted,
        rejected: counts.rejected,
        rejected_by_reason: Object.fromEntries(counts.rejectedByReason),
      };
    }
    const rowsPerSecond = Math.round((received * 1000) / elapsedMs);
    const details = {
      received,
      accepted,
      rejected,
      requests: this.counters.requests,
      retries: this.counters.retries,
      split_requests: this.counters.splits,
      invalid_lines: this.invalidLines,
      elapsed_seconds: Math.round(elapsedMs / 100) / 10,
      rows_per_second: rowsPerSecond,
      objects,
      streams,
      audience_lists: [...this.lists.values()],
    };
    const sentence =
      `Sync summary: ${received} records received, ${accepted} accepted by Rokt, ${rejected} rejected; ` +
      `${this.counters.requests} requests, ${this.counters.retries} retries, ${details.elapsed_seconds} s (${rowsPerSecond} rows/s)` +
      (this.invalidLines ? `; ${this.invalidLines} input lines were not valid messages` : '');
    return { sentence, details };
  }
}

/** A copy of the row for the rejected-records file with PII columns hashed (never the raw values). */
export function hashedCopy(data: Record<string, unknown>, plan: FieldPlan): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(data)) {
    const target = (plan.renames.get(column) ?? column).toLowerCase();
    const pii = EVENT_FIELDS_BY_LOWER_NAME.get(target)?.pii;
    copy[column] = pii && !isEmptyValue(value) ? (hashPii(pii, toRoktString(value)) ?? '') : value;
  }
  return copy;
}
