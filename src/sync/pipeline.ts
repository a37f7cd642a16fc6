import { setImmediate as yieldToIo, setTimeout as sleepFor } from 'node:timers/promises';
import { mapAudienceRecord } from '../catalog/map-audience.js';
import { mapEventRecord, type EventPlan, type RoktEvent } from '../catalog/map-event.js';
import { sha256Hex } from '../catalog/normalize.js';
import type { Router, StreamRoute } from '../catalog/routes.js';
import type { Config } from '../config/schema.js';
import { ConfigError, InputError, InterruptedError } from '../errors.js';
import type { AudienceTransport } from '../rokt/audience-api.js';
import type { EventsTransport } from '../rokt/events-api.js';
import type { RetryPolicy } from '../rokt/retry.js';
import { AudienceChanges, type AudienceBatch } from './audience-changes.js';
import { Batcher, type Batch } from './batcher.js';
import { deliver, type DeliveryContext, type DeliveryTarget } from './deliver.js';
import { exposedGc, HeapGovernor } from './heap-governor.js';
import type { SyncMessage, SyncOutput } from './messages.js';
import type { RecordInfo } from './records.js';
import { hashedCopy } from './rejected-record.js';
import { RunReport } from './report.js';
import { RequestPool } from './request-pool.js';
import { StateTracker } from './state-tracker.js';
import { StreamRegistry, type StreamRef } from './streams.js';
import { audienceTarget, eventsTarget, type EventItem } from './targets.js';

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
/** Small-list warnings printed one by one; the rest are counted in one line. */
const LOGGED_SMALL_LISTS = 20;
/** Audience lists with unsent changes at once; beyond, the oldest is sent (flat memory with many lists). */
const MAX_OPEN_AUDIENCE_LISTS = 1000;
/**
 * How long a waiting STATE lets its partial batch fill before it is sent anyway. Sources that
 * checkpoint after every record would otherwise make every request carry one row; the STATE
 * promise is unchanged (it still goes out only once its records are in Rokt).
 */
const STATE_LINGER_MS = 1000;
/** Heap growth between forced full collections (when the process allows them). */
const HEAP_BUDGET_BYTES = 16 * 1024 * 1024;
/**
 * Messages handled between two turns of the event loop, so answers that arrived meanwhile free
 * their slot promptly instead of after a whole input chunk (bench/README.md measures the effect).
 */
const MESSAGES_PER_TURN = 32;
const NESTED_TOO_DEEPLY = 'the record is nested too deeply to be sent';

/**
 * The write engine shared by events and audiences, Airbyte and Singer: reads messages, maps and
 * batches records, keeps `concurrency` requests in flight, and emits each STATE once every record
 * before it is accepted or rejected.
 */
export class WritePipeline {
  private readonly now: () => number;
  readonly report: RunReport;
  private readonly streams = new StreamRegistry();
  private readonly tracker: StateTracker<unknown, StreamRef>;
  private readonly eventBatches: Batcher<EventItem>;
  private readonly audienceChanges: AudienceChanges;
  private readonly pool: RequestPool;
  private readonly delivery: DeliveryContext;
  private readonly dispatches = new Set<Promise<void>>();
  private readonly unroutedStreams = new Set<StreamRef>();
  private readonly heap = new HeapGovernor({ budgetBytes: HEAP_BUDGET_BYTES, collect: exposedGc() });
  private interruptedBy?: 'SIGTERM' | 'SIGINT';
  private eventsTarget?: DeliveryTarget<EventItem>;
  private stateFlush?: NodeJS.Timeout;

  constructor(private readonly options: PipelineOptions) {
    const { config } = options;
    this.now = options.now ?? Date.now;
    this.report = new RunReport({ log: (level, message) => void options.output.log(level, message), rejectedRecordsPath: config.rejected_records_path, now: this.now });
    this.tracker = new StateTracker(this.now);
    this.eventBatches = new Batcher({ maxItems: config.batch_size, maxBytes: MAX_EVENT_REQUEST_BYTES }, this.now);
    this.audienceChanges = new AudienceChanges({ maxItems: config.audience_batch_size, maxOpenLists: MAX_OPEN_AUDIENCE_LISTS, now: this.now });
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
    const timer = setInterval(() => this.dispatchAll(this.eventBatches.takeOlderThan(flushEveryMs), this.audienceChanges.takeOlderThan(flushEveryMs)), Math.min(1000, flushEveryMs));
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
      this.throwIfFailed();
      await this.finish();
      this.warnSmallTargetingLists();
      return this.report;
    } finally {
      clearInterval(timer);
      clearInterval(progress);
      this.cancelStateFlush();
      await this.report.close();
    }
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

  /** Returns a promise only when the message must wait (a free request slot, an earlier audience change). */
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
        return this.dispatchAndWaitForSlots(this.eventBatches.takeAll(), this.audienceChanges.takeAll());
    }
  }

  /** A waiting state sends the partial batches after STATE_LINGER_MS, unless they filled up by then. */
  private scheduleStateFlush(): void {
    if (this.stateFlush || (this.eventBatches.openBatches === 0 && this.audienceChanges.openLists === 0)) return;
    this.stateFlush = setTimeout(() => {
      this.stateFlush = undefined;
      this.dispatchAll(this.eventBatches.takeAll(), this.audienceChanges.takeAll());
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
    const info: RecordInfo = { ref: this.tracker.registerRecord(stream), stream, line: message.line };
    const route = this.options.router.route(message.stream, message.primaryKey);
    if (!route) {
      this.rejectUnrouted(info);
      return undefined;
    }
    counts.object = route.object;
    if (message.rejection) {
      this.reject(info, { ...message.rejection, record: this.rejectedCopy(message.data, route.plan) });
      return undefined;
    }
    try {
      return route.object === 'event' ? this.addEvent(info, message.data, route) : this.addAudienceMember(info, message.data, route);
    } catch (error) {
      // JSON of a value nested thousands deep overflows the stack: the row cannot be sent.
      if (!(error instanceof RangeError)) throw error;
      this.reject(info, { reason: NESTED_TOO_DEEPLY });
      return undefined;
    }
  }

  /** The copy of a rejected row for the rejected-records file (only fields sent to Rokt, PII hashed). */
  private rejectedCopy(data: Record<string, unknown>, plan: StreamRoute['plan']): Record<string, unknown> | undefined {
    try {
      return hashedCopy(data, plan);
    } catch (error) {
      if (error instanceof RangeError) return undefined;
      throw error;
    }
  }

  private addEvent(info: RecordInfo, data: Record<string, unknown>, route: Extract<StreamRoute, { object: 'event' }>): Promise<void> | undefined {
    if (!this.options.events) throw new ConfigError(`Stream "${info.stream.label}" sends events, but no Event API credentials are configured`);
    const mapped = mapEventRecord({ data, plan: route.plan, nowMs: this.now() });
    if (!mapped.ok) {
      this.reject(info, { ...mapped.rejection, record: this.rejectedCopy(data, route.plan) });
      return undefined;
    }
    const json = JSON.stringify(mapped.value);
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_EVENT_REQUEST_BYTES) {
      this.reject(info, { reason: `the event is larger than the ${MAX_EVENT_REQUEST_BYTES}-byte request limit`, record: this.rejectedCopy(data, route.plan) });
      return undefined;
    }
    const item: EventItem = { ref: info.ref, stream: info.stream, line: info.line, json, bytes, clientEventId: mapped.value.clientEventId, plan: route.plan };
    const ready = this.eventBatches.add('events', item, bytes + 1);
    return ready.length ? this.dispatchAndWaitForSlots(ready, []) : undefined;
  }

  private addAudienceMember(info: RecordInfo, data: Record<string, unknown>, route: Extract<StreamRoute, { object: 'audience' }>): Promise<void> | undefined {
    if (!this.options.audiences) throw new ConfigError(`Stream "${info.stream.label}" writes audiences, but no Audience API credentials are configured`);
    const mapped = mapAudienceRecord({ data, plan: route.plan });
    if (!mapped.ok) {
      this.reject(info, { ...mapped.rejection, record: this.rejectedCopy(data, route.plan) });
      return undefined;
    }
    const { list, action, key, identifier } = mapped.value;
    // The person, whatever identifier kind carries them: a plain (normalized) email or its SHA-256.
    const change = { list, action, key, identifier, person: key === 'sha256s' ? identifier : sha256Hex(identifier), record: info };
    const add = () => {
      const ready = this.audienceChanges.add(change);
      return ready.length ? this.dispatchAndWaitForSlots([], ready) : undefined;
    };
    const earlier = this.audienceChanges.conflict(change);
    if (!earlier) return add();
    // A request of the other action for this person is in flight: this change goes only after it.
    return Promise.race([earlier, this.pool.failed]).then(() => (this.pool.failure ? undefined : add()));
  }

  private rejectUnrouted(info: RecordInfo): void {
    if (this.options.config.unrouted_streams === 'fail') {
      throw new ConfigError(`Stream "${info.stream.label}" is not routed to Rokt (no destination_object_name in the catalog and no config.streams binding), and unrouted_streams is "fail"`);
    }
    if (!this.unroutedStreams.has(info.stream)) {
      this.unroutedStreams.add(info.stream);
      void this.options.output.log(
        'WARN',
        `Stream "${info.stream.label}" is not routed to Rokt (no destination_object_name in the catalog and no config.streams binding): its records are counted as rejected and not sent`,
      );
    }
    this.reject(info, { reason: 'stream is not routed to Rokt' }, { quiet: true });
  }

  private reject(info: RecordInfo, rejection: { field?: string; reason: string; record?: unknown }, options: { quiet?: boolean } = {}): void {
    this.report.rejected({ stream: info.stream, line: info.line, ...rejection }, options);
    this.tracker.settle(info.ref, 'rejected');
    this.emitReadyStates();
  }

  private accept(info: RecordInfo, options: { verified: boolean } = { verified: true }): void {
    this.report.accepted(info.stream, options);
    this.tracker.settle(info.ref, 'accepted');
  }

  /** Starts requests for ready batches, waiting for free slots: this is the backpressure on input. */
  private async dispatchAndWaitForSlots(events: Batch<EventItem>[], audiences: AudienceBatch[]): Promise<void> {
    this.dispatchAll(events, audiences);
    await Promise.all([...this.dispatches]);
  }

  private dispatchAll(events: Batch<EventItem>[], audiences: AudienceBatch[]): void {
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
    for (const item of result.unverified) this.accept(item, { verified: false });
    for (const { item, reason } of result.rejected) this.reject(item, { reason, record: rejectedEventCopy(item) });
    this.emitReadyStates();
  }

  private async sendAudience(batch: AudienceBatch): Promise<void> {
    try {
      const target = audienceTarget({ transport: this.options.audiences as AudienceTransport, batch });
      const result = await deliver(batch.items, target, this.delivery);
      this.report.audienceMembersSent(batch.list, batch.action, result.accepted.length);
      for (const item of result.accepted) for (const info of item.records) this.accept(info);
      for (const item of result.unverified) for (const info of item.records) this.accept(info, { verified: false });
      for (const { item, reason } of result.rejected) {
        const person = batch.key === 'sha256s' ? item.identifier : sha256Hex(item.identifier);
        for (const info of item.records) this.reject(info, { reason, record: { list: batch.list, action: batch.action, emailsha256: person } });
      }
      this.emitReadyStates();
    } finally {
      this.audienceChanges.settled(batch);
    }
  }

  private emitReadyStates(): void {
    for (const state of this.tracker.takeReady()) {
      void this.options.output.emitState(state.payload, { recordCount: state.window.accepted, rejectedRecordCount: state.window.rejected });
    }
  }

  /** End of input: send everything, wait for every answer, emit the remaining states; fails as soon as a request fails. */
  private async finish(): Promise<void> {
    this.cancelStateFlush();
    this.dispatchAll(this.eventBatches.takeAll(), this.audienceChanges.takeAll());
    while (this.dispatches.size > 0 && !this.pool.failure) await Promise.race([Promise.all([...this.dispatches]), this.pool.failed]);
    this.throwIfFailed();
    await Promise.race([this.pool.drain().catch(() => undefined), this.pool.failed]);
    this.throwIfFailed();
    this.emitReadyStates();
    if (this.tracker.pendingStates > 0 || this.tracker.unsettledRecords > 0) {
      throw new Error(`Internal error: ${this.tracker.pendingStates} states and ${this.tracker.unsettledRecords} records still pending at the end of input`);
    }
  }

  private warnSmallTargetingLists(): void {
    const small = this.report.lists().filter(({ action, members }) => action === 'include' && members < MIN_TARGETING_LIST);
    for (const { list, members } of small.slice(0, LOGGED_SMALL_LISTS)) {
      void this.options.output.log(
        'WARN',
        `Audience "${list}": ${members} members were added in this run. Rokt targets lists of at least ${MIN_TARGETING_LIST} people; if earlier runs already added members the list may be large enough (this counts only this run).`,
      );
    }
    if (small.length > LOGGED_SMALL_LISTS) {
      void this.options.output.log('WARN', `${small.length - LOGGED_SMALL_LISTS} more audiences got fewer than ${MIN_TARGETING_LIST} members in this run (the summary lists every audience).`);
    }
  }
}

/**
 * A rejected event as the rejected-records file shows it: its fields as a row under Rokt's names,
 * through the same copy as rows rejected before sending (PII hashed whatever hash_pii says).
 */
function rejectedEventCopy(item: EventItem): Record<string, unknown> {
  const event = JSON.parse(item.json.toString()) as RoktEvent;
  const row = new Map<string, unknown>([
    ['clientEventId', event.clientEventId],
    ['eventType', event.eventType],
    ['eventTime', event.eventTime],
  ]);
  for (const { name, value } of event.objectData) row.set(name, value);
  for (const { name, value } of event.metaData ?? []) row.set(`metadata.${name}`, value);
  const asSent: EventPlan = { ...item.plan, renames: new Map(), constants: [], keepUnknownColumns: true };
  return hashedCopy(Object.fromEntries(row), asSent);
}
