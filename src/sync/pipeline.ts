import { setImmediate as yieldToIo, setTimeout as sleepFor } from 'node:timers/promises';
import { streamId } from '../catalog/configured-catalog.js';
import { mapAudienceRecord, type AudienceAction, type IdentifierKey } from '../catalog/map-audience.js';
import { mapEventRecord } from '../catalog/map-event.js';
import type { Router, StreamRoute } from '../catalog/routes.js';
import type { Config } from '../config/schema.js';
import { ConfigError, InputError, InterruptedError } from '../errors.js';
import type { AudienceTransport } from '../rokt/audience-api.js';
import type { EventsTransport } from '../rokt/events-api.js';
import type { RetryPolicy } from '../rokt/retry.js';
import { Batcher, type Batch } from './batcher.js';
import { deliver, type DeliveryContext, type DeliveryTarget } from './deliver.js';
import type { SyncMessage, SyncOutput } from './messages.js';
import { exposedGc, HeapGovernor } from './heap-governor.js';
import { hashedCopy, RunReport } from './report.js';
import { RequestPool } from './request-pool.js';
import { StateTracker, type RecordRef } from './state-tracker.js';
import { audienceTarget, eventsTarget } from './targets.js';

export interface RecordInfo {
  ref: RecordRef;
  streamId: string;
  line: number;
}

export interface EventItem extends RecordInfo {
  /**
   * The event's JSON: text while it waits in a batch, then a view into the request body once that
   * is built, so events in flight hold no second copy (see eventsBody).
   */
  json: string | Buffer;
  /** UTF-8 length of `json`. */
  bytes: number;
  clientEventId: string;
}

/** One identifier in an audience request, and every record that asked for it (deduplicated). */
export interface AudienceItem {
  identifier: string;
  records: RecordInfo[];
}

export interface PipelineOptions {
  /** Messages in chunks (what one read of the input held): handled synchronously, awaiting only for a free request slot. */
  messages: AsyncIterable<readonly SyncMessage[]>;
  router: Router;
  config: Config;
  events?: EventsTransport;
  audiences?: AudienceTransport;
  output: SyncOutput;
  /** Stops reading input (a fatal failure, an interrupt), even while a read waits on idle input. */
  stopInput: () => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Rokt documents no byte limit; staying well under 1 MB keeps every request safe. */
const MAX_EVENT_REQUEST_BYTES = 900_000;
const MIN_TARGETING_LIST = 1000;
/** Heap growth between forced full collections (when the process allows them). */
const HEAP_BUDGET_BYTES = 16 * 1024 * 1024;
/**
 * Messages handled between two turns of the event loop: answers that arrived meanwhile free their
 * slot within ~3 ms instead of after a whole input chunk (~10 ms), which at 50 ms latency is the
 * difference between 79% and 85% of the theoretical throughput (bench, concurrency 4).
 */
const MESSAGES_PER_TURN = 32;

/**
 * The write engine shared by events and audiences, Airbyte and Singer: reads messages, maps and
 * batches records, keeps `concurrency` requests in flight, and emits each STATE once every record
 * before it is accepted or rejected.
 */
export class WritePipeline {
  private readonly now: () => number;
  readonly report: RunReport;
  private readonly tracker: StateTracker<unknown>;
  private readonly eventBatches: Batcher<EventItem>;
  private readonly audienceBatches: Batcher<AudienceItem>;
  private readonly pool: RequestPool;
  private readonly delivery: DeliveryContext;
  private readonly dispatches = new Set<Promise<void>>();
  private readonly unroutedStreams = new Set<string>();
  private readonly heap = new HeapGovernor({ budgetBytes: HEAP_BUDGET_BYTES, collect: exposedGc() });
  private interruptedBy?: 'SIGTERM' | 'SIGINT';
  private eventsTarget?: DeliveryTarget<EventItem>;

  constructor(private readonly options: PipelineOptions) {
    const { config } = options;
    this.now = options.now ?? Date.now;
    this.report = new RunReport({ log: (level, message) => void options.output.log(level, message), rejectedRecordsPath: config.rejected_records_path, now: this.now });
    this.tracker = new StateTracker(this.now);
    this.eventBatches = new Batcher({ maxItems: config.batch_size, maxBytes: MAX_EVENT_REQUEST_BYTES }, this.now);
    this.audienceBatches = new Batcher({ maxItems: config.audience_batch_size, maxBytes: Number.POSITIVE_INFINITY }, this.now);
    this.pool = new RequestPool(config.concurrency, () => options.stopInput());
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
    const timer = setInterval(() => this.dispatchAll(this.eventBatches.takeOlderThan(flushEveryMs), this.audienceBatches.takeOlderThan(flushEveryMs)), Math.min(1000, flushEveryMs));
    timer.unref();
    const progress = setInterval(() => void this.options.output.progress(this.progressLine()), this.options.config.progress_interval_seconds * 1000);
    progress.unref();
    try {
      try {
        let untilTurn = MESSAGES_PER_TURN;
        reading: for await (const chunk of this.options.messages) {
          for (const message of chunk) {
            if (this.pool.failure || this.interruptedBy) break reading;
            const waiting = this.handle(message);
            if (waiting) await waiting;
            if (--untilTurn === 0) {
              untilTurn = MESSAGES_PER_TURN;
              await yieldToIo();
            }
          }
          this.heap.check();
        }
      } catch (error) {
        // The input broke (e.g. an over-long line): deliver what was read and emit the states it
        // covers, then fail with the input's error whatever happens while finishing.
        if (error instanceof InputError && !this.pool.failure) await this.finish().catch(() => undefined);
        throw error;
      }
      if (this.interruptedBy) return await this.stopAfterInterrupt(this.interruptedBy);
      if (this.pool.failure) throw this.pool.failure.error;
      await this.finish();
      this.warnSmallTargetingLists();
      return this.report;
    } finally {
      clearInterval(timer);
      clearInterval(progress);
      await this.report.close();
    }
  }

  private progressLine(): string {
    let accepted = 0;
    let rejected = 0;
    for (const counts of this.report.streams.values()) {
      accepted += counts.accepted;
      rejected += counts.rejected;
    }
    const read = this.tracker.recordsRegistered;
    const seconds = Math.max(0.001, this.report.elapsedMs() / 1000);
    const waiting = this.tracker.pendingStates;
    return (
      `Progress: ${read} rows read, ${accepted} accepted, ${rejected} rejected, ${this.tracker.unsettledRecords} in flight, ` +
      `${this.report.counters.retries} retries, ${Math.round(read / seconds)} rows/s` +
      (waiting ? `; ${waiting} states waiting, the oldest for ${(this.tracker.oldestPendingAgeMs() / 1000).toFixed(1)} s` : '; no state waiting')
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

  /** Returns a promise only when the message started requests and must wait for a free slot. */
  private handle(message: SyncMessage): Promise<void> | undefined {
    switch (message.kind) {
      case 'record':
        return this.handleRecord(message);
      case 'state':
        this.tracker.addState(message.payload, { streamId: message.stream ? streamId(message.stream) : undefined });
        // A waiting state flushes partial batches at once: the source's checkpoint should not
        // wait for batches to fill.
        return this.dispatchAndWaitForSlots(this.eventBatches.takeAll(), this.audienceBatches.takeAll()).then(() => this.emitReadyStates());
      case 'stream_complete':
        return this.dispatchAndWaitForSlots(this.eventBatches.takeAll(), this.audienceBatches.takeAll());
    }
  }

  private handleRecord(message: Extract<SyncMessage, { kind: 'record' }>): Promise<void> | undefined {
    const id = streamId(message.stream);
    const counts = this.report.stream(id);
    counts.received += 1;
    const ref = this.tracker.registerRecord(id);
    const info: RecordInfo = { ref, streamId: id, line: message.line };
    const route = this.options.router.route(message.stream, message.primaryKey);
    if (!route) {
      this.rejectUnrouted(info);
      return undefined;
    }
    counts.object = route.object;
    if (message.rejection) {
      this.reject(info, { ...message.rejection, record: hashedCopy(message.data, route.plan) });
      return undefined;
    }
    const ready = route.object === 'event' ? this.addEvent(info, message.data, route) : this.addAudienceMember(info, message.data, route);
    return ready ? this.dispatchAndWaitForSlots(ready[0], ready[1]) : undefined;
  }

  private addEvent(info: RecordInfo, data: Record<string, unknown>, route: Extract<StreamRoute, { object: 'event' }>): [Batch<EventItem>[], []] | undefined {
    if (!this.options.events) throw new ConfigError(`Stream "${info.streamId}" sends events, but no Event API credentials are configured`);
    const mapped = mapEventRecord({ data, plan: route.plan, nowMs: this.now() });
    if (!mapped.ok) {
      this.reject(info, { ...mapped.rejection, record: hashedCopy(data, route.plan) });
      return undefined;
    }
    const json = JSON.stringify(mapped.value);
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_EVENT_REQUEST_BYTES) {
      this.reject(info, { reason: `the event is larger than the ${MAX_EVENT_REQUEST_BYTES}-byte request limit`, record: hashedCopy(data, route.plan) });
      return undefined;
    }
    const item: EventItem = { ref: info.ref, streamId: info.streamId, line: info.line, json, bytes, clientEventId: mapped.value.clientEventId };
    const ready = this.eventBatches.add('events', item, bytes + 1);
    return ready.length ? [ready, []] : undefined;
  }

  private addAudienceMember(info: RecordInfo, data: Record<string, unknown>, route: Extract<StreamRoute, { object: 'audience' }>): [[], Batch<AudienceItem>[]] | undefined {
    if (!this.options.audiences) throw new ConfigError(`Stream "${info.streamId}" writes audiences, but no Audience API credentials are configured`);
    const mapped = mapAudienceRecord({ data, plan: route.plan });
    if (!mapped.ok) {
      this.reject(info, { ...mapped.rejection, record: hashedCopy(data, route.plan) });
      return undefined;
    }
    const { list, action, key, identifier } = mapped.value;
    const item: AudienceItem = { identifier, records: [info] };
    const ready = this.audienceBatches.add(`${list}\u0000${action}\u0000${key}`, item, 0, {
      key: identifier,
      merge: (existing, duplicate) => existing.records.push(...duplicate.records),
    });
    return ready.length ? [[], ready] : undefined;
  }

  private rejectUnrouted(info: RecordInfo): void {
    if (this.options.config.unrouted_streams === 'fail') {
      throw new ConfigError(`Stream "${info.streamId}" is not routed to Rokt (no destination_object_name in the catalog and no config.streams binding), and unrouted_streams is "fail"`);
    }
    if (!this.unroutedStreams.has(info.streamId)) {
      this.unroutedStreams.add(info.streamId);
      void this.options.output.log(
        'WARN',
        `Stream "${info.streamId}" is not routed to Rokt (no destination_object_name in the catalog and no config.streams binding): its records are counted as rejected and not sent`,
      );
    }
    this.reject(info, { reason: 'stream is not routed to Rokt' }, { quiet: true });
  }

  private reject(info: RecordInfo, rejection: { field?: string; reason: string; record?: unknown }, options: { quiet?: boolean } = {}): void {
    this.report.rejected({ streamId: info.streamId, line: info.line, ...rejection }, options);
    this.tracker.settle(info.ref, 'rejected');
    this.emitReadyStates();
  }

  private accept(info: RecordInfo): void {
    this.report.accepted(info.streamId);
    this.tracker.settle(info.ref, 'accepted');
  }

  /** Starts requests for ready batches, waiting for free slots: this is the backpressure on input. */
  private async dispatchAndWaitForSlots(events: Batch<EventItem>[], audiences: Batch<AudienceItem>[]): Promise<void> {
    this.dispatchAll(events, audiences);
    await Promise.all([...this.dispatches]);
  }

  private dispatchAll(events: Batch<EventItem>[], audiences: Batch<AudienceItem>[]): void {
    for (const batch of events) this.dispatch(() => this.sendEvents(batch));
    for (const batch of audiences) this.dispatch(() => this.sendAudience(batch));
  }

  private dispatch(send: () => Promise<void>): void {
    const started = this.pool.start(send).finally(() => this.dispatches.delete(started));
    this.dispatches.add(started);
  }

  private async sendEvents(batch: Batch<EventItem>): Promise<void> {
    this.eventsTarget ??= eventsTarget({
      transport: this.options.events as EventsTransport,
      accountId: this.options.config.account_id,
      // Nothing to reject when Rokt names no event of the request: make the mismatch visible.
      onUnmatched: (count) => void this.options.output.log('ERROR', `Rokt reported ${count} unprocessed records that match no clientEventId of the request; they cannot be told apart and were counted as accepted`),
    });
    const result = await deliver(batch.items, this.eventsTarget, this.delivery);
    for (const item of result.accepted) this.accept(item);
    for (const { item, reason } of result.rejected) this.reject(item, { reason, record: JSON.parse(item.json.toString()) });
    this.emitReadyStates();
  }

  private async sendAudience(batch: Batch<AudienceItem>): Promise<void> {
    const [list, action, key] = batch.key.split('\u0000') as [string, AudienceAction, IdentifierKey];
    const target = audienceTarget({ transport: this.options.audiences as AudienceTransport, list, action, key });
    const result = await deliver(batch.items, target, this.delivery);
    this.report.audienceMembersSent(list, action, result.accepted.length);
    for (const item of result.accepted) for (const info of item.records) this.accept(info);
    for (const { item, reason } of result.rejected) {
      for (const info of item.records) this.reject(info, { reason, record: { list, action, [key]: item.identifier } });
    }
    this.emitReadyStates();
  }

  private emitReadyStates(): void {
    for (const state of this.tracker.takeReady()) {
      void this.options.output.emitState(state.payload, { recordCount: state.window.accepted, rejectedRecordCount: state.window.rejected });
    }
  }

  /** End of input: send everything, wait for every answer, emit the remaining states. */
  private async finish(): Promise<void> {
    this.dispatchAll(this.eventBatches.takeAll(), this.audienceBatches.takeAll());
    while (this.dispatches.size > 0) await Promise.all([...this.dispatches]);
    await this.pool.drain();
    this.emitReadyStates();
    if (this.tracker.pendingStates > 0 || this.tracker.unsettledRecords > 0) {
      throw new Error(`Internal error: ${this.tracker.pendingStates} states and ${this.tracker.unsettledRecords} records still pending at the end of input`);
    }
  }

  private warnSmallTargetingLists(): void {
    for (const { list, action, members } of this.report.lists.values()) {
      if (action !== 'include' || members >= MIN_TARGETING_LIST) continue;
      void this.options.output.log(
        'WARN',
        `Audience "${list}": ${members} members were added in this run. Rokt targets lists of at least ${MIN_TARGETING_LIST} people; if earlier runs already added members the list may be large enough (this counts only this run).`,
      );
    }
  }
}
