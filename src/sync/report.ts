import { createWriteStream, type WriteStream } from 'node:fs';
import { stringify as losslessStringify } from 'lossless-json';
import { coverageWarning, IdentifierCoverage } from '../catalog/identifier-coverage.js';
import { NO_CONSENT, type RowRuling } from '../catalog/row-rules.js';
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
  /** Rows the source marked deleted: audience removals, or event rows rejected. */
  deletedInSource: number;
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

/**
 * Counts what happened to every record, per stream, reports rejections
 * without raw PII, and writes the optional rejected-records file.
 */
export class RunReport {
  readonly streams = new Map<StreamRef, StreamCounts>();
  readonly counters = { requests: 0, retries: 0, splits: 0 };
  /** Which identifiers the rows handed to Rokt carried, per stream. */
  readonly coverage = new IdentifierCoverage<StreamRef>();
  /** Row-rule warnings already logged, by stream then kind: once per stream. */
  private readonly warned = new Map<StreamRef, Set<string>>();
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
      counts = { received: 0, accepted: 0, acceptedUnverified: 0, rejected: 0, rejectedByReason: new Map(), deletedInSource: 0 };
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

  /**
   * What the row rules decided for a record (src/catalog/row-rules.ts): counts source deletes, logs a
   * rule's warning once per stream, and counts the identifiers of a row that goes on to be sent.
   */
  ruled(options: { stream: StreamRef; line: number; ruling: RowRuling }): void {
    const { stream, line, ruling } = options;
    if (ruling.deleted) this.stream(stream).deletedInSource += 1;
    if (!ruling.send) return;
    this.coverage.count(stream, { data: ruling.data, plan: ruling.route.plan });
    const warning = ruling.warning;
    if (!warning) return;
    let kinds = this.warned.get(stream);
    if (!kinds) this.warned.set(stream, (kinds = new Set()));
    if (kinds.has(warning.kind)) return;
    kinds.add(warning.kind);
    this.options.log('WARN', `${warning.message} (first at line ${line})`);
  }

  /** End of a run: one warning per stream whose rows mostly lacked a strong identifier. */
  coverageWarnings(): string[] {
    const warnings: string[] = [];
    for (const [stream, counts] of this.coverage.entries()) {
      const warning = coverageWarning(stream.label, counts);
      if (warning) warnings.push(warning);
    }
    return warnings;
  }

  async close(): Promise<void> {
    const file = this.file;
    if (file) await new Promise<void>((resolve) => file.end(resolve));
  }

  /** `extra`: figures the API families add (e.g. `audience_lists`). */
  summary(extra: Record<string, unknown> = {}): { sentence: string; details: Record<string, unknown> } {
    const elapsedMs = Math.max(1, this.now() - this.startedAt);
    let received = 0;
    let accepted = 0;
    let unverified = 0;
    let rejected = 0;
    let noConsent = 0;
    let deletedInSource = 0;
    const streams: [string, unknown][] = [];
    const objects: Record<string, { received: number; accepted: number; accepted_unverified: number; rejected: number }> = {};
    for (const [stream, counts] of this.streams) {
      received += counts.received;
      accepted += counts.accepted;
      unverified += counts.acceptedUnverified;
      rejected += counts.rejected;
      const streamNoConsent = counts.rejectedByReason.get(NO_CONSENT) ?? 0;
      noConsent += streamNoConsent;
      deletedInSource += counts.deletedInSource;
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
          no_consent: streamNoConsent,
          deleted_in_source: counts.deletedInSource,
        },
      ]);
    }
    const rowsPerSecond = Math.round((received * 1000) / elapsedMs);
    const details = {
      received,
      accepted,
      accepted_unverified: unverified,
      rejected,
      no_consent: noConsent,
      deleted_in_source: deletedInSource,
      requests: this.counters.requests,
      retries: this.counters.retries,
      split_requests: this.counters.splits,
      invalid_lines: this.invalidLines,
      elapsed_seconds: Math.round(elapsedMs / 100) / 10,
      rows_per_second: rowsPerSecond,
      objects,
      // fromEntries: a stream named `__proto__` stays a plain key.
      streams: Object.fromEntries(streams),
      identifier_coverage: Object.fromEntries([...this.coverage.entries()].map(([stream, counts]) => [stream.label, counts])),
      ...extra,
    };
    const sentence =
      `Sync summary: ${received} records received, ${accepted} accepted by Rokt, ${rejected} rejected${noConsent ? ` (${noConsent} without consent)` : ''}; ` +
      (deletedInSource ? `${deletedInSource} rows deleted in the source (audience members removed, events not sent); ` : '') +
      (unverified
        ? `${unverified} counted as delivered without Rokt's verdict (a lost answer, then 409 "already received": any of them Rokt refused in the lost answer cannot be known); `
        : '') +
      `${this.counters.requests} requests, ${this.counters.retries} retries, ${details.elapsed_seconds} s (${rowsPerSecond} rows/s)` +
      (this.invalidLines ? `; ${this.invalidLines} input lines were not valid messages` : '');
    return { sentence, details };
  }
}
