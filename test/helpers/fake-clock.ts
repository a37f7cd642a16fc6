import type { GateClock } from '../../src/sync/concurrency/gate.js';

interface Timer {
  at: number;
  seq: number;
  wake: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told: timers fire in time order, and after each one every promise
 * it settled runs to completion before the next (so async code behaves as under real time).
 */
export class FakeClock implements GateClock {
  private time = 0;
  private seq = 0;
  private readonly timers: Timer[] = [];

  now(): number {
    return this.time;
  }

  after(ms: number, wake: () => void): () => void {
    const timer: Timer = { at: this.time + Math.max(0, ms), seq: (this.seq += 1), wake, cancelled: false };
    this.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Fires the next timer (moving the clock to it) and lets the code it woke run; false when none is left. */
  async step(): Promise<boolean> {
    await settle();
    for (;;) {
      const timer = this.pop();
      if (!timer) return false;
      if (timer.cancelled) continue;
      this.time = Math.max(this.time, timer.at);
      timer.wake();
      await settle();
      return true;
    }
  }

  /** Runs timers until `done` resolves; throws if no timer is left while it is still pending. */
  async runUntilSettled<T>(done: Promise<T>): Promise<T> {
    let finished = false;
    let failure: { error: unknown } | undefined;
    let value: T | undefined;
    done.then(
      (result) => {
        finished = true;
        value = result;
      },
      (error: unknown) => {
        finished = true;
        failure = { error };
      },
    );
    while (!finished) {
      if (!(await this.step()) && !finished) throw new Error(`nothing left to wake the work up at ${this.time} ms`);
    }
    if (failure) throw failure.error;
    return value as T;
  }

  get pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  private push(timer: Timer): void {
    const heap = this.timers;
    heap.push(timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!earlier(heap[index] as Timer, heap[parent] as Timer)) break;
      [heap[index], heap[parent]] = [heap[parent] as Timer, heap[index] as Timer];
      index = parent;
    }
  }

  private pop(): Timer | undefined {
    const heap = this.timers;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && earlier(heap[left] as Timer, heap[smallest] as Timer)) smallest = left;
        if (right < heap.length && earlier(heap[right] as Timer, heap[smallest] as Timer)) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest] as Timer, heap[index] as Timer];
        index = smallest;
      }
    }
    return top;
  }
}

function earlier(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Lets every promise settled so far run its continuations. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
