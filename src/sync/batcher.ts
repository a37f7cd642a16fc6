/**
 * Groups items into request-sized batches per key, by count and bytes. Adding is O(1); a batch is
 * handed out when full, or on demand.
 */

export interface Batch<I> {
  readonly key: string;
  readonly items: I[];
  bytes: number;
  readonly openedAt: number;
}

export interface BatchLimits {
  maxItems: number;
  maxBytes: number;
}

export class Batcher<I> {
  private readonly open = new Map<string, Batch<I>>();

  constructor(
    private readonly limits: BatchLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds an item; returns the batches that became ready (full, or closed because this item would not fit). */
  add(key: string, item: I, bytes: number): Batch<I>[] {
    const ready: Batch<I>[] = [];
    let batch = this.open.get(key);
    if (batch && batch.items.length > 0 && batch.bytes + bytes > this.limits.maxBytes) {
      ready.push(batch);
      batch = undefined;
    }
    if (!batch) {
      batch = { key, items: [], bytes: 0, openedAt: this.now() };
      this.open.set(key, batch);
    }
    batch.items.push(item);
    batch.bytes += bytes;
    if (batch.items.length >= this.limits.maxItems) ready.push(batch);
    for (const done of ready) if (this.open.get(done.key) === done) this.open.delete(done.key);
    return ready;
  }

  takeAll(): Batch<I>[] {
    const all = [...this.open.values()];
    this.open.clear();
    return all;
  }

  takeOlderThan(ageMs: number): Batch<I>[] {
    const cutoff = this.now() - ageMs;
    const old: Batch<I>[] = [];
    for (const [key, batch] of this.open) {
      if (batch.openedAt <= cutoff) {
        old.push(batch);
        this.open.delete(key);
      }
    }
    return old;
  }

  get openBatches(): number {
    return this.open.size;
  }
}
