/**
 * The STATE watermark. Every record gets a sequence number when it is read; it is settled once
 * Rokt accepted it or it was rejected. A STATE that arrived after record N may be emitted only
 * when every record before N is settled, and states go out in the order they came in. With
 * requests finishing out of order this needs the low watermark (first unsettled record), not
 * "the last request finished".
 */

/** Counts for one checkpoint window; accepted + rejected = received once the window closes. */
export interface Window {
  received: number;
  accepted: number;
  rejected: number;
  /** Of the rejected: rows refused on purpose (deleted in the source), which say nothing of a mapping mistake. */
  deliberate: number;
}

export interface RecordRef {
  readonly seq: number;
  readonly streamWindow: Window;
  readonly globalWindow: Window;
}

export interface PendingState<S> {
  /** The state covers records with seq below this. */
  readonly coversBelow: number;
  readonly window: Window;
  readonly payload: S;
  readonly receivedAt: number;
}

const newWindow = (): Window => ({ received: 0, accepted: 0, rejected: 0, deliberate: 0 });

/** `K`: what identifies a stream (an object from StreamRegistry; never a string built from names). */
export class StateTracker<S, K = unknown> {
  private nextSeq = 0;
  private lowWatermark = 0;
  /**
   * Settled flags of records from the watermark on (requests finish out of order), as a ring that
   * grows with the number of records in flight: no allocation per record.
   */
  private settledRing = new Uint8Array(1024);
  private settledAhead = 0;
  private readonly streamWindows = new Map<K, Window>();
  private globalWindow = newWindow();
  private readonly pending: PendingState<S>[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  registerRecord(stream: K): RecordRef {
    let streamWindow = this.streamWindows.get(stream);
    if (!streamWindow) {
      streamWindow = newWindow();
      this.streamWindows.set(stream, streamWindow);
    }
    streamWindow.received += 1;
    this.globalWindow.received += 1;
    if (this.nextSeq - this.lowWatermark >= this.settledRing.length) this.growRing();
    return { seq: this.nextSeq++, streamWindow, globalWindow: this.globalWindow };
  }

  private growRing(): void {
    const old = this.settledRing;
    const grown = new Uint8Array(old.length * 2);
    for (let seq = this.lowWatermark; seq < this.nextSeq; seq += 1) grown[seq % grown.length] = old[seq % old.length] as number;
    this.settledRing = grown;
  }

  settle(ref: RecordRef, outcome: 'accepted' | 'rejected', options: { deliberate?: boolean } = {}): void {
    ref.streamWindow[outcome] += 1;
    ref.globalWindow[outcome] += 1;
    if (options.deliberate) {
      ref.streamWindow.deliberate += 1;
      ref.globalWindow.deliberate += 1;
    }
    const ring = this.settledRing;
    if (ref.seq !== this.lowWatermark) {
      ring[ref.seq % ring.length] = 1;
      this.settledAhead += 1;
      return;
    }
    this.lowWatermark += 1;
    while (this.settledAhead > 0 && ring[this.lowWatermark % ring.length] === 1) {
      ring[this.lowWatermark % ring.length] = 0;
      this.settledAhead -= 1;
      this.lowWatermark += 1;
    }
  }

  /**
   * Queues a state. A STREAM state closes its stream's window; a GLOBAL or LEGACY state closes the
   * window of all streams.
   */
  addState(payload: S, scope: { stream?: K }): void {
    let window: Window;
    if (scope.stream !== undefined) {
      window = this.streamWindows.get(scope.stream) ?? newWindow();
      this.streamWindows.set(scope.stream, newWindow());
    } else {
      window = this.globalWindow;
      this.globalWindow = newWindow();
    }
    this.pending.push({ coversBelow: this.nextSeq, window, payload, receivedAt: this.now() });
  }

  /** States whose records are all settled, in arrival order; removes them from the queue. */
  takeReady(): PendingState<S>[] {
    let count = 0;
    while (count < this.pending.length && (this.pending[count] as PendingState<S>).coversBelow <= this.lowWatermark) count += 1;
    return count === 0 ? [] : this.pending.splice(0, count);
  }

  get pendingStates(): number {
    return this.pending.length;
  }

  get unsettledRecords(): number {
    return this.nextSeq - this.lowWatermark - this.settledAhead;
  }

  get recordsRegistered(): number {
    return this.nextSeq;
  }

  oldestPendingAgeMs(): number {
    const oldest = this.pending[0];
    return oldest ? this.now() - oldest.receivedAt : 0;
  }
}
