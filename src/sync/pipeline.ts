import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Router, StreamRoute } from '../catalog/routes.js';
import { applyRowRules, DELETED_IN_SOURCE, withoutLandingUrl } from '../catalog/row-rules.js';
import type { Config } from '../config/schema.js';
import { ConfigError, InputError, InterruptedError } from '../errors.js';
import type { RetryPolicy } from '../rokt/retry.js';
import { concurrencySummary, describeConcurrency } from './concurrency/report.js';
import { deliver, type DeliveryContext } from './deliver.js';
import type { AnyFamilyWriter, FamilyBatch, RoktObject } from './family.js';
import type { SyncMessage, SyncOutput } from './messages.js';
import { recordLines } from './record-lines.js';
import type { RecordInfo } from './records.js';
import { hashedCopy } from './rejected-record.js';
import { RunReport } from './report.js';
import { RequestPool } from './request-pool.js';
import { StateTracker } from './state-tracker.js';
import { StreamRegistry, type StreamRef } from './streams.js';

export interface PipelineOptions {
  /** Messages in slices: handled synchronously, awaiting only for a free request slot or an earlier change. */
  messages: AsyncIterable<readonly SyncMessage[]>;
  router: Router;
  config: Config;
  /** One writer per routed object, from the API family that sends it. */
  writers: ReadonlyMap<RoktObject, AnyFamilyWriter>;
  /** The API family sending each object (default: the object): requests of one family share one gate. */
  familyOf?: ReadonlyMap<RoktObject, string>;
  output: SyncOutput;
  /** Stops reading input (a fatal failure, an interrupt), even while a read waits on idle input. */
  stopInput: () => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * How long a waiting STATE lets its partial batches fill before they are sent anyway. Sources that
 * checkpoint after every record would otherwise make every request carry one row; the STATE
 * promise is unchanged (it still goes out only once its records are in Rokt).
 */
const STATE_LINGER_MS = 1000;
const NESTED_TOO_DEEPLY = 'the record is nested too deeply to be sent';
/** Shared option objects: accepting a record allocates nothing. */
const VERIFIED = { verified: true } as const;
const UNVERIFIED = { verified: false } as const;

/** A ready batch and the writer whose family sends it. */
interface Outgoing {
  writer: AnyFamilyWriter;
  batch: FamilyBatch<unknown>;
}

/**
 * The write engine, the same for every API family and both protocols: reads messages, hands each
 * routed record to its object's writer, keeps `concurrency` requests in flight, and emits each
 * STATE once every record before it is accepted or rejected. Nothing here knows a Rokt format.
 */
export class WritePipeline {
  private readonly now: () => number;
  readonly report: RunReport;
  private readonly streams = new StreamRegistry();
  private readonly tracker: StateTracker<unknown, StreamRef>;
  private readonly pool: RequestPool;
  private readonly delivery: DeliveryContext;
  private readonly dispatches = new Set<Promise<void>>();
  private readonly unroutedStreams = new Set<StreamRef>();
  /** Each writer's API family: its requests go through that family's gate (one allowance, one Retry-After pause). */
  private readonly gateOf = new Map<AnyFamilyWriter, string>();
  private interruptedBy?: 'SIGTERM' | 'SIGINT';
  private stateFlush?: NodeJS.Timeout;
  /** Rows of emitted windows the rejected-share guard has not judged yet (fewer than min_records_for_ratio). */
  private unjudgedRows = { accepted: 0, rejected: 0 };

  constructor(private readonly options: PipelineOptions) {
    const { config } = options;
    this.now = options.now ?? Date.now;
    this.report = new RunReport({ log: (level, message) => void options.output.log(level, message), rejectedRecordsPath: config.rejected_records_path, now: this.now });
    this.tracker = new StateTracker(this.now);
    this.pool = new RequestPool({ mode: config.concurrency_mode, ceiling: config.concurrency }, () => options.stopInput());
    for (const [object, writer] of options.writers) this.gateOf.set(writer, options.familyOf?.get(object) ?? object);
    const policy: RetryPolicy = {
      maxRetries: config.max_retries,
      maxElapsedMs: config.retry_max_seconds * 1000,
      baseDelayMs: config.retry_base_delay_ms,
      maxDelayMs: 30_000,
      random: options.random ?? Math.random,
    };
    this.delivery = {
      policy,
      sleep: options.sleep ?? ((ms) => sleepFor(ms)),
      now: this.now,
      counters: this.report.counters,
      stopRetrying: () => this.interruptedBy !== undefined,
      traceExchanges: config.debug_log_path !== undefined,
    };
  }

  /**
   * SIGTERM/SIGINT: stop reading, send what was read, let in-flight requests finish (no new
   * retries) within a bound, emit the states that are fully covered, then fail.
   */
  interrupt(signal: 'SIGTERM' | 'SIGINT'): void {
    if (this.interruptedBy) return;
    this.interruptedBy = signal;
    void this.options.output.log('WARN', `${signal} received: reading stopped; finishing requests in flight`);
    this.options.stopInput();
  }

  async run(): Promise<RunReport> {
    const flushEveryMs = this.options.config.flush_interval_seconds * 1000;
    const timer = setInterval(() => this.dispatchAll((writer) => writer.batches.takeOlderThan(flushEveryMs)), Math.min(1000, flushEveryMs));
    timer.unref();
    const progress = setInterval(() => void this.options.output.progress(this.progressLine()), this.options.config.progress_interval_seconds * 1000);
    progress.unref();
    // Records waiting in a batch for a timer are work too: the process must not exit quietly meanwhile.
    const releaseExitGuard = this.pool.guardExit(() => this.tracker.unsettledRecords);
    try {
      try {
        reading: for await (const slice of this.options.messages) {
          for (const message of slice) {
            if (this.pool.failure || this.interruptedBy) break reading;
            const waiting = this.handle(message);
            if (waiting) await waiting;
          }
        }
      } catch (error) {
        // The input broke (e.g. an over-long line): deliver what was read and emit the states it
        // covers, then fail with the input's error whatever happens while finishing.
        if (error instanceof InputError && !this.pool.failure) await this.finish().catch(() => undefined);
        throw error;
      }
      if (this.interruptedBy) return await this.stopAfterInterrupt(this.interruptedBy);
      this.throwIfFailed();
      await this.finish();
      for (const writer of this.options.writers.values()) for (const warning of writer.finish?.() ?? []) void this.options.output.log('WARN', warning);
      for (const warning of this.report.coverageWarnings()) void this.options.output.log('WARN', warning);
      return this.report;
    } finally {
      releaseExitGuard();
      clearInterval(timer);
      clearInterval(progress);
      this.cancelStateFlush();
      await this.report.close();
    }
  }

  /** Figures the writers and the request pool add to the end-of-run summary (audience lists, concurrency). */
  summaryExtras(): { sentence: string; details: Record<string, unknown> } {
    const stats = this.pool.stats();
    const details = Object.assign({ concurrency: concurrencySummary(stats) }, ...[...this.options.writers.values()].map((writer) => writer.summary?.() ?? {}));
    return { sentence: describeConcurrency(stats), details };
  }

  private throwIfFailed(): void {
    if (this.pool.failure) throw this.pool.failure.error;
  }

  private progressLine(): string {
    let accepted = 0;
    let rejected = 0;
    for (const counts of this.report.streams.values()) {
      accepted += counts.accepted + counts.acceptedUnverified;
      rejected += counts.rejected;
    }
    const read = this.tracker.recordsRegistered;
    const seconds = Math.max(0.001, this.report.elapsedMs() / 1000);
    const waiting = this.tracker.pendingStates;
    return (
      `Progress: ${read} rows read, ${accepted} accepted, ${rejected} rejected, ${this.tracker.unsettledRecords} in flight, ` +
      `${this.report.counters.retries} retries, ${Math.round(read / seconds)} rows/s` +
      (waiting ? `; ${waiting} states waiting, the oldest for ${(this.tracker.oldestPendingAgeMs() / 1000).toFixed(1)} s` : '; no state waiting') +
      `; ${describeConcurrency(this.pool.stats())}`
    );
  }

  private async stopAfterInterrupt(signal: 'SIGTERM' | 'SIGINT'): Promise<never> {
    const boundMs = this.options.config.request_timeout_seconds * 1000 + 5000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)));
    await Promise.race([this.finish().catch(() => undefined), deadline]);
    clearTimeout(timer);
    const pending = this.tracker.pendingStates;
    throw new InterruptedError(
      `Interrupted by ${signal} before the input ended: every state Rokt fully acknowledged was emitted${pending ? `; ${pending} later states were not` : ''}. Re-run from the last emitted state.`,
      signal,
    );
  }

  /** Returns a promise only when the message must wait (a free request slot, an earlier change in flight). */
  private handle(message: SyncMessage): Promise<void> | undefined {
    switch (message.kind) {
      case 'record':
        return this.handleRecord(message);
      case 'state':
        this.tracker.addState(message.payload, { stream: message.stream ? this.streams.get(message.stream) : undefined });
        this.emitReadyStates();
        if (this.tracker.pendingStates > 0) this.scheduleStateFlush();
        return undefined;
      case 'stream_complete':
        this.cancelStateFlush();
        return this.dispatchAndWaitForSlots(this.takeReady((writer) => writer.batches.takeAll()));
    }
  }

  /** A waiting state sends the partial batches after STATE_LINGER_MS, unless they filled up by then. */
  private scheduleStateFlush(): void {
    if (this.stateFlush || ![...this.options.writers.values()].some((writer) => writer.batches.open > 0)) return;
    this.stateFlush = setTimeout(() => {
      this.stateFlush = undefined;
      this.dispatchAll((writer) => writer.batches.takeAll());
    }, STATE_LINGER_MS);
    // End of input sends everything anyway; this timer alone must not keep the process up.
    this.stateFlush.unref();
  }

  private cancelStateFlush(): void {
    clearTimeout(this.stateFlush);
    this.stateFlush = undefined;
  }

  private handleRecord(message: Extract<SyncMessage, { kind: 'record' }>): Promise<void> | undefined {
    const stream = this.streams.get(message.stream);
    const counts = this.report.stream(stream);
    counts.received += 1;
    const record: RecordInfo = { ref: this.tracker.registerRecord(stream), stream, line: message.line };
    const route = this.options.router.route(message.stream, message.primaryKey);
    if (!route) {
      this.rejectUnrouted(record);
      return undefined;
    }
    counts.object = route.object;
    if (message.rejection) {
      this.reject(record, { ...message.rejection, record: rejectedCopy(withoutLandingUrl(message.data, route), route) });
      return undefined;
    }
    const writer = this.options.writers.get(route.object);
    if (!writer) throw new ConfigError(`Stream "${stream.label}" is routed to "${route.object}", but no credentials for it are configured`);
    // The binding's row rules (consent, source deletes, click ids from landing URLs), for every family.
    const ruling = applyRowRules({ data: message.data, route });
    this.report.ruled({ stream, line: message.line, ruling });
    if (!ruling.send) {
      // A row deleted in the source is refused on purpose: the rejection guard does not count it.
      this.reject(record, { reason: ruling.reason, record: rejectedCopy(ruling.data, route) }, { deliberate: ruling.deleted });
      return undefined;
    }
    let mapped;
    try {
      mapped = writer.map({ record, data: ruling.data, route: ruling.route, nowMs: this.now() });
    } catch (error) {
      // JSON of a value nested thousands deep overflows the stack: the row cannot be sent.
      if (!(error instanceof RangeError)) throw error;
      this.reject(record, { reason: NESTED_TOO_DEEPLY });
      return undefined;
    }
    if (!mapped.ok) {
      this.reject(record, { ...mapped.rejection, record: rejectedCopy(ruling.data, ruling.route) });
      return undefined;
    }
    return this.add(writer, mapped.value);
  }

  /** Hands a mapped row to its writer's batches; waits first when an earlier change must settle. */
  private add(writer: AnyFamilyWriter, mapped: unknown): Promise<void> | undefined {
    const added = writer.batches.add(mapped);
    if ('waitFor' in added) {
      return Promise.race([added.waitFor, this.pool.failed]).then(() => (this.pool.failure ? undefined : this.add(writer, mapped)));
    }
    return added.ready.length ? this.dispatchAndWaitForSlots(added.ready.map((batch) => ({ writer, batch }))) : undefined;
  }

  private rejectUnrouted(record: RecordInfo): void {
    if (this.options.config.unrouted_streams === 'fail') {
      throw new ConfigError(`Stream "${record.stream.label}" is not routed to Rokt (no destination_object_name in the catalog and no config.streams binding), and unrouted_streams is "fail"`);
    }
    if (!this.unroutedStreams.has(record.stream)) {
      this.unroutedStreams.add(record.stream);
      void this.options.output.log(
        'WARN',
        `Stream "${record.stream.label}" is not routed to Rokt (no destination_object_name in the catalog and no config.streams binding): its records are counted as rejected and not sent`,
      );
    }
    this.reject(record, { reason: 'stream is not routed to Rokt' }, { quiet: true });
  }

  private reject(record: RecordInfo, rejection: { field?: string; reason: string; record?: unknown }, options: { quiet?: boolean; deliberate?: boolean } = {}): void {
    this.report.rejected({ stream: record.stream, line: record.line, ...rejection }, options);
    this.tracker.settle(record.ref, 'rejected', options);
    this.emitReadyStates();
  }

  private accept(record: RecordInfo, options: { verified: boolean } = VERIFIED): void {
    this.report.accepted(record.stream, options);
    this.tracker.settle(record.ref, 'accepted');
  }

  private takeReady(take: (writer: AnyFamilyWriter) => FamilyBatch<unknown>[]): Outgoing[] {
    return [...this.options.writers.values()].flatMap((writer) => take(writer).map((batch) => ({ writer, batch })));
  }

  /** Starts requests for ready batches, waiting for free slots: this is the backpressure on input. */
  private async dispatchAndWaitForSlots(outgoing: Outgoing[]): Promise<void> {
    for (const { writer, batch } of outgoing) this.dispatch(writer, batch);
    await Promise.all([...this.dispatches]);
  }

  private dispatchAll(take: (writer: AnyFamilyWriter) => FamilyBatch<unknown>[]): void {
    for (const { writer, batch } of this.takeReady(take)) this.dispatch(writer, batch);
  }

  private dispatch(writer: AnyFamilyWriter, batch: FamilyBatch<unknown>): void {
    const started = this.pool.start(() => this.send(writer, batch)).finally(() => this.dispatches.delete(started));
    this.dispatches.add(started);
  }

  private async send(writer: AnyFamilyWriter, batch: FamilyBatch<unknown>): Promise<void> {
    try {
      const target = { ...writer.target(batch), records: (items: readonly unknown[]) => recordLines(items.flatMap((item) => writer.records(item))) };
      const gate = this.pool.gate(this.gateOf.get(writer) as string);
      const result = await deliver(batch.items, target, { ...this.delivery, gate });
      for (const item of result.accepted) for (const record of writer.records(item)) this.accept(record);
      for (const item of result.unverified) for (const record of writer.records(item)) this.accept(record, UNVERIFIED);
      for (const { item, reason } of result.rejected) {
        const copy = writer.rejectedCopy(item, batch);
        for (const record of writer.records(item)) this.reject(record, { reason, record: copy });
      }
      writer.onSettled?.({ batch, ...result });
      this.emitReadyStates();
    } finally {
      writer.batches.settled?.(batch);
    }
  }

  private emitReadyStates(): void {
    for (const state of this.tracker.takeReady()) {
      this.guardRejectedShare(state.window);
      void this.options.output.emitState(state.payload, { recordCount: state.window.accepted, rejectedRecordCount: state.window.rejected });
    }
  }

  /**
   * A mapping mistake rejects every row with a reason, and the checkpoint would then move past rows
   * that were never sent: stop before such a window's STATE, so a fixed config re-sends them.
   */
  private guardRejectedShare(window: { accepted: number; rejected: number; deliberate: number }): void {
    const { max_rejected_ratio: maxShare, min_records_for_ratio: minRows } = this.options.config;
    // Small windows (a state after every few rows) are judged together, once they hold minRows rows.
    // Rows refused on purpose (deleted in the source) are left out: a CDC purge is no mapping mistake.
    const judged = this.unjudgedRows;
    judged.accepted += window.accepted;
    judged.rejected += window.rejected - window.deliberate;
    const rows = judged.accepted + judged.rejected;
    if (rows < minRows) return;
    const rejected = judged.rejected;
    this.unjudgedRows = { accepted: 0, rejected: 0 };
    if (maxShare >= 1 || rejected < maxShare * rows) return;
    const reasons = new Map<string, number>();
    for (const counts of this.report.streams.values()) {
      for (const [reason, count] of counts.rejectedByReason) if (reason !== DELETED_IN_SOURCE) reasons.set(reason, (reasons.get(reason) ?? 0) + count);
    }
    const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 3);
    throw new ConfigError(
      `${rejected} of the ${rows} rows before a checkpoint were rejected (max_rejected_ratio ${maxShare}): the state is not emitted, so the same rows are sent again once the config is fixed. ` +
        `Top reasons: ${top.map(([reason, count]) => `${reason} (${count})`).join('; ')}.`,
    );
  }

  /** End of input: send everything, wait for every answer, emit the remaining states; fails as soon as a request fails. */
  private async finish(): Promise<void> {
    this.cancelStateFlush();
    this.dispatchAll((writer) => writer.batches.takeAll());
    while (this.dispatches.size > 0 && !this.pool.failure) await Promise.race([Promise.all([...this.dispatches]), this.pool.failed]);
    this.throwIfFailed();
    await Promise.race([this.pool.drain().catch(() => undefined), this.pool.failed]);
    this.throwIfFailed();
    this.emitReadyStates();
    if (this.tracker.pendingStates > 0 || this.tracker.unsettledRecords > 0) {
      throw new Error(`Internal error: ${this.tracker.pendingStates} states and ${this.tracker.unsettledRecords} records still pending at the end of input`);
    }
  }
}

/** The copy of a rejected row for the rejected-records file (only fields sent to Rokt, PII hashed). */
function rejectedCopy(data: Record<string, unknown>, route: StreamRoute): Record<string, unknown> | undefined {
  try {
    return hashedCopy(data, route.plan);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
