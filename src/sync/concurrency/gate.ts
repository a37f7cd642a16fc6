/**
 * The asynchronous side of one API family's concurrency controller: a request waits here for its
 * turn (a free slot, the end of a Retry-After pause, its place in the pace), and its outcome goes
 * back to the controller. Retries go before first attempts. Every wait is a referenced timer, so a
 * paused family keeps the process alive.
 */
import { performance } from 'node:perf_hooks';
import type { ApiResponse } from '../../rokt/http.js';
import { retryDelayMs, throttleRetryDelayMs, type RetryPolicy } from '../../rokt/retry.js';
import type { ConcurrencyController, ControllerStats, Ticket } from './controller.js';
import { signalOfAnswer, signalOfError, type Signal } from './signal.js';
import { TimeIntegral } from './time-integral.js';

export interface GateClock {
  now(): number;
  /** Calls `wake` after `ms`; returns a function that cancels it. */
  after(ms: number, wake: () => void): () => void;
}

/** Monotonic time and referenced timers: a request waiting for its turn keeps the process up. */
export const systemClock: GateClock = {
  now: () => performance.now(),
  after: (ms, wake) => {
    const timer = setTimeout(wake, ms);
    return () => clearTimeout(timer);
  },
};

/** Figures several gates add up (a pool's): requests in flight and requests held back. */
export interface SharedFigures {
  inFlight: TimeIntegral;
  waiting: TimeIntegral;
}

export interface GateStats extends ControllerStats {
  family: string;
  /** Time (ms) during which at least one request was ready but held back (limit, pace, pause, backoff). */
  waitingMs: number;
}

interface Waiter {
  grant: (ticket: Ticket) => void;
}

export class RequestGate {
  private readonly retries: Waiter[] = [];
  private readonly firsts: Waiter[] = [];
  private readonly waiting = new TimeIntegral();
  /** Requests sleeping before a retry. */
  private backingOff = 0;
  private wake: { at: number; cancel: () => void } | undefined;

  constructor(
    readonly family: string,
    private readonly controller: ConcurrencyController,
    private readonly clock: GateClock = systemClock,
    private readonly shared?: SharedFigures,
  ) {}

  /** Sends one request when its turn comes, and tells the controller how it went. */
  async send(send: () => Promise<ApiResponse>, options: { retry: boolean }): Promise<ApiResponse> {
    const ticket = await this.acquire(options.retry);
    let response: ApiResponse;
    try {
      response = await send();
    } catch (error) {
      this.settle(ticket, signalOfError(error));
      throw error;
    }
    this.settle(ticket, signalOfAnswer(response, Date.now()));
    return response;
  }

  /**
   * The wait before a retry: in round trips after a 429 without Retry-After (adaptive),
   * otherwise the retry policy's (Retry-After, or exponential backoff).
   */
  retryDelayMs(options: { retry: number; retryAfter?: number; status?: number; policy: RetryPolicy }): number {
    const { retry, retryAfter, status, policy } = options;
    if (this.controller.adaptive && retryAfter === undefined && status === 429) {
      return throttleRetryDelayMs({ retry, roundTripMs: this.controller.throttleRetryUnitMs(), policy });
    }
    return retryDelayMs({ retry, retryAfter, policy });
  }

  /** Sleeps before a retry, counted as time held back. */
  async backoff(sleep: () => Promise<void>): Promise<void> {
    this.changeWaiting(1);
    this.backingOff += 1;
    try {
      await sleep();
    } finally {
      this.backingOff -= 1;
      this.changeWaiting(-1);
    }
  }

  /** Deliveries this family can usefully have in progress: its limit, one ready to go, and those waiting to retry. */
  get tasksWanted(): number {
    return this.controller.limit + 1 + this.backingOff;
  }

  stats(): GateStats {
    const now = this.clock.now();
    return { family: this.family, ...this.controller.stats(now), waitingMs: this.waiting.timeAboveZero(now) };
  }

  /** Requests sent and not yet answered, and requests waiting for their turn. */
  get pending(): { inFlight: number; waiting: number } {
    return { inFlight: this.controller.pending, waiting: this.waiting.current };
  }

  private acquire(retry: boolean): Promise<Ticket> {
    return new Promise<Ticket>((grant) => {
      (retry ? this.retries : this.firsts).push({ grant });
      this.changeWaiting(1);
      this.pump();
    });
  }

  private settle(ticket: Ticket, signal: Signal): void {
    const { holdMs } = this.controller.settle(ticket, signal, this.clock.now());
    this.shared?.inFlight.add(-1, this.clock.now());
    if (holdMs > 0) {
      this.clock.after(holdMs, () => {
        this.controller.releaseHeld();
        this.pump();
      });
    }
    this.pump();
  }

  /** Grants turns while the controller allows; otherwise sets one timer for when it next may. */
  private pump(): void {
    for (;;) {
      const queue = this.retries.length > 0 ? this.retries : this.firsts;
      const waiter = queue[0];
      if (!waiter) return;
      const now = this.clock.now();
      const readyAt = this.controller.readyAt(now);
      if (readyAt > now) {
        if (readyAt !== Infinity) this.wakeAt(readyAt, now);
        return;
      }
      queue.shift();
      this.changeWaiting(-1);
      this.shared?.inFlight.add(1, now);
      waiter.grant(this.controller.send(now));
    }
  }

  private wakeAt(at: number, now: number): void {
    if (this.wake && this.wake.at <= at) return;
    this.wake?.cancel();
    const cancel = this.clock.after(Math.max(0, at - now), () => {
      this.wake = undefined;
      this.pump();
    });
    this.wake = { at, cancel };
  }

  private changeWaiting(delta: number): void {
    const now = this.clock.now();
    this.waiting.add(delta, now);
    this.shared?.waiting.add(delta, now);
  }
}
