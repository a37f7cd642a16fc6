import { createWriteStream, type WriteStream } from 'node:fs';
import { stringify as losslessStringify } from 'lossless-json';
import type { StreamRef } from './streams.js';

export interface StreamCounts {
  /** The Rokt object the stream goes to; unset for streams routed nowhere. */
  object?: 'event' | 'audience';
  received: number;
  accepted: number;
  /**
   * Counted as delivered without a verdict seen: a v1 request whose answer was lost and whose retry
   * got 409 (already received). Rokt may have refused some of its events in the lost answer.
   */
  acceptedUnverified: number;
  rejected: number;
  rejectedByReason: Map<string, number>;
}

export interface Rejected {
  stream: StreamRef;
  /** Input line of the record. */
  line: number;
  field?: string;
  reason: string;
  /** What to write to the rejected-records file: PII already hashed. */
  record?: unknown;
}

const LOGGED_PER_REASON = 5;

/** An audience list's members sent in this run, by action. */
interface ListCounts {
  list: string;
  action: string;
  members: number;
}

/**
 * Counts what happened to every record, per stream and per audience list, reports rejections
 * without raw PII, and writes the optional rejected-records file.
 */
export class RunReport {
  readonly streams = new Map<StreamRef, StreamCounts>();
  /** By list name, then action: structured keys, since list names are data. */
  private readonly listCounts = new Map<string, Map<string, ListCounts>>();
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

  stream(stream: StreamRef): StreamCounts {
    let counts = this.streams.get(stream);
    if (!counts) {
      counts = { received: 0, accepted: 0, acceptedUnverified: 0, rejected: 0, rejectedByReason: new Map() };
      this.streams.set(stream, counts);
    }
    return counts;
  }

  accepted(stream: StreamRef, options: { verified: boolean } = { verified: true }): void {
    const counts = this.stream(stream);
    if (options.verified) counts.accepted += 1;
    else counts.acceptedUnverified += 1;
  }

  /** `quiet`: count only (the caller already said it once, e.g. for a stream routed nowhere). */
  rejected(rejection: Rejected, options: { quiet?: boolean } = {}): void {
    const counts = this.stream(rejection.stream);
    counts.rejected += 1;
    const seen = (counts.rejectedByReason.get(rejection.reason) ?? 0) + 1;
    counts.rejectedByReason.set(rejection.reason, seen);
    if (options.quiet) return;
    const where = `stream "${rejection.stream.label}" line ${rejection.line}${rejection.field ? ` field ${rejection.field}` : ''}`;
    if (seen <= LOGGED_PER_REASON) {
      this.options.log('WARN', `Rejected ${where}: ${rejection.reason}${seen === LOGGED_PER_REASON ? ' (further rejections for this reason are only counted)' : ''}`);
    }
    const { key } = rejection.stream;
    // lossless: numbers in the record keep the text they came with.
    this.file?.write(losslessStringify({ stream: key.name, ...(key.namespace === undefined ? {} : { namespace: key.namespace }), line: rejection.line, field: rejection.field, reason: rejection.reason, record: rejection.record }) + '\n');
  }

  audienceMembersSent(list: string, action: string, count: number): void {
    let byAction = this.listCounts.get(list);
    if (!byAction) this.listCounts.set(list, (byAction = new Map()));
    const entry = byAction.get(action) ?? { list, action, members: 0 };
    entry.members += count;
    byAction.set(action, entry);
  }

  /** Every (list, action) with the members sent in this run. */
  lists(): ListCounts[] {
    return [...this.listCounts.values()].flatMap((byAction) => [...byAction.values()]);
  }

  async close(): Promise<void> {
    const file = this.file;
    if (file) await new Promise<void>((resolve) => file.end(resolve));
  }

  summary(): { sentence: string; details: Record<string, unknown> } {
    const elapsedMs = Math.max(1, this.now() - this.startedAt);
    let received = 0;
    let accepted = 0;
    let unverified = 0;
    let rejected = 0;
    const streams: [string, unknown][] = [];
    const objects: Record<string, { received: number; accepted: number; accepted_unverified: number; rejected: number }> = {};
    for (const [stream, counts] of this.streams) {
      received += counts.received;
      accepted += counts.accepted;
      unverified += counts.acceptedUnverified;
      rejected += counts.rejected;
      const object = (objects[counts.object ?? 'unrouted'] ??= { received: 0, accepted: 0, accepted_unverified: 0, rejected: 0 });
      object.received += counts.received;
      object.accepted += counts.accepted;
      object.accepted_unverified += counts.acceptedUnverified;
      object.rejected += counts.rejected;
      streams.push([
        stream.label,
        {
          received: counts.received,
          accepted: counts.accepted,
          accepted_unverified: counts.acceptedUnverified,
          rejected: counts.rejected,
          rejected_by_reason: Object.fromEntries(counts.rejectedByReason),
        },
      ]);
    }
    const rowsPerSecond = Math.round((received * 1000) / elapsedMs);
    const details = {
      received,
      accepted,
      accepted_unverified: unverified,
      rejected,
      requests: this.counters.requests,
      retries: this.counters.retries,
      split_requests: this.counters.splits,
      invalid_lines: this.invalidLines,
      elapsed_seconds: Math.round(elapsedMs / 100) / 10,
      rows_per_second: rowsPerSecond,
      objects,
      // fromEntries: a stream named `__proto__` stays a plain key.
      streams: Object.fromEntries(streams),
      audience_lists: this.lists(),
    };
    const sentence =
      `Sync summary: ${received} records received, ${accepted} accepted by Rokt, ${rejected} rejected; ` +
      (unverified
        ? `${unverified} counted as delivered without Rokt's verdict (a lost answer, then 409 "already received": any of them Rokt refused in the lost answer cannot be known); `
        : '') +
      `${this.counters.requests} requests, ${this.counters.retries} retries, ${details.elapsed_seconds} s (${rowsPerSecond} rows/s)` +
      (this.invalidLines ? `; ${this.invalidLines} input lines were not valid messages` : '');
    return { sentence, details };
  }
}
