/**
 * Adaptive request concurrency for one API family (after Vector's ARC and TCP's AIMD): start low,
 * double per round trip while RTTs stay near their baseline, then grow by one per window; back off
 * on refusals, timeouts and a lasting rise in RTT. A refusal is read for what kind of limit it
 * reveals: answered at once at a level just reached, a cap on requests at once (hold below it,
 * re-probe rarely); answered at once at a level that ran cleanly, or with a Retry-After, a rate
 * (pace requests at the rate that was accepted); answered slowly, noise (shrink a little). A
 * Retry-After pauses every request of the family. `fixed` keeps the ceiling and only honours
 * Retry-After. Pure: no timers; every call gets the time, so it is tested with a fake clock.
 */
import { AcceptedRate } from './accepted-rate.js';
import { MIN_REQUESTS_PER_SECOND, Pacer } from './pacer.js';
import { RttWindows, type WindowVerdict } from './rtt-windows.js';
import type { Signal } from './signal.js';
import { TimeIntegral } from './time-integral.js';

export type ConcurrencyMode = 'adaptive' | 'fixed';

export interface ConcurrencySettings {
  mode: ConcurrencyMode;
  /** The most requests in flight at once (the `concurrency` setting). */
  ceiling: number;
}

/** A request sent: when, and how many slots were occupied with it. */
export interface Ticket {
  readonly sentAt: number;
  /** Place in the send order. */
  readonly seq: number;
  readonly level: number;
}

/** Concurrency figures, of one API family or of the whole pool. */
export interface ConcurrencyFigures {
  mode: ConcurrencyMode;
  ceiling: number;
  /** Requests allowed in flight now. */
  limit: number;
  inFlight: number;
  /** Mean requests in flight since the first request (time-weighted). */
  averageInFlight: number;
  peakInFlight: number;
  requests: number;
  /** Answers that refused for load (429) or were overloaded (503). */
  throttled: number;
  timeouts: number;
  /** Time spent paused by Retry-After (ms). */
  pausedMs: number;
}

export interface ControllerStats extends ConcurrencyFigures {
  /** The pace in requests per second, once a rate limit was met. */
  paceRequestsPerSecond?: number;
  /** The cap on requests at once the API revealed, while it is believed. */
  revealedCap?: number;
}

/** Where slow start begins: low enough for a small allowance, and doubled within a few round trips. */
const INITIAL_LIMIT = 4;
/** A window whose mean RTT is this much above the baseline is slow (it ends slow start, two in a row shrink). */
const RTT_RISE = 0.15;
/** A rise smaller than this is jitter (of the own event loop, of the network), whatever its share of a short RTT. */
const MIN_RTT_RISE_MS = 5;
/** Slow windows in a row before shrinking: a GC pause or a VM stall makes one. */
const SLOW_WINDOWS_TO_SHRINK = 2;
/** Multiplicative decrease: near 1, so the limit does not saw deep below what the API takes. */
const BACKOFF = 0.9;
/** A rise in RTT cuts the limit at most to this share at once. */
const DEEPEST_LATENCY_CUT = 0.5;
/** A refusal answered in less than this share of the baseline RTT was refused without being processed. */
const INSTANT_SHARE = 0.5;
/** A level in use this long without trouble ran cleanly: a refusal there is about rate, not slots. */
const CLEAN_RUN_MS = 1_000;
/** Re-probe above a revealed cap after this long, doubling on each failed probe up to the maximum. */
const FIRST_PROBE_MS = 2_000;
const MAX_PROBE_MS = 8_000;
/** The own event loop this busy inflates every RTT and is the bottleneck: no verdict then. */
const LOOP_SATURATED = 0.9;
/** Pace a little under the rate that was accepted: the allowance refills at exactly that rate. */
const PACE_MARGIN = 0.95;
/** The API saying this share (%) of the allowance is used stops growth; the second level eases the pace. */
const NEAR_LIMIT_PERCENT = 95;
const AT_LIMIT_PERCENT = 100;
const USAGE_CUT_EVERY_MS = 2_000;
/** How much the pace eases each time the API says the allowance is all but spent. */
const USAGE_EASE = 0.95;
/** How long a slot refused at once stays occupied when no RTT is known yet. */
const DEFAULT_HOLD_MS = 100;

export interface ControllerOptions {
  settings: ConcurrencySettings;
  now: number;
  /** Event-loop utilization (0..1) since the previous call: a saturated loop inflates RTTs. */
  loopBusy?: () => number;
}

export class ConcurrencyController {
  readonly settings: ConcurrencySettings;
  private limitValue: number;
  private inFlight = 0;
  /** Slots refused at once, kept occupied about one RTT so one slot cannot fire refusals in a loop. */
  private held = 0;
  private slowStart: boolean;
  /** The level before slow start's last doubling, until a window judged the doubled level. */
  private doubledFrom: number | undefined;
  private slowStreak = 0;
  private lastIncreaseAt: number;
  /** Answers to requests sent before the last reaction belong to the same episode: one reaction each. */
  private reactedAt = -Infinity;
  private pausedUntil = -Infinity;
  private usageCutAt = -Infinity;
  private pausedMs = 0;
  private pacer: Pacer | undefined;
  private revealedCap: number | undefined;
  private probeAt = -Infinity;
  private probeEveryMs = FIRST_PROBE_MS;
  private readonly windows: RttWindows;
  private readonly accepted: AcceptedRate;
  /** Requests in flight, to know when every request sent before a refusal has been answered. */
  private readonly outstanding = new Set<Ticket>();
  /** A rate episode that ended with this refused request, waiting for the answers sent before it. */
  private episodeEnd: Ticket | undefined;
  private sent = 0;
  private readonly occupancy = new TimeIntegral();
  private peak = 0;
  private requests = 0;
  private throttled = 0;
  private timeouts = 0;
  private readonly loopBusy: () => number;

  constructor(options: ControllerOptions) {
    const { settings, now } = options;
    this.settings = settings;
    this.limitValue = settings.mode === 'fixed' ? settings.ceiling : Math.min(INITIAL_LIMIT, settings.ceiling);
    this.slowStart = settings.mode === 'adaptive';
    this.lastIncreaseAt = now;
    this.windows = new RttWindows(now);
    this.accepted = new AcceptedRate(now);
    this.loopBusy = options.loopBusy ?? (() => 0);
  }

  get adaptive(): boolean {
    return this.settings.mode === 'adaptive';
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return Math.max(1, Math.floor(this.limitValue));
  }

  /** Requests sent and not answered yet. */
  get pending(): number {
    return this.inFlight;
  }

  /** When the next request may go: `now` or later (a pause, the pace), or Infinity until a slot frees. */
  readyAt(now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil;
    if (this.inFlight + this.held >= this.limit) return Infinity;
    return this.pacer ? this.pacer.readyAt(now) : now;
  }

  send(now: number): Ticket {
    this.inFlight += 1;
    this.requests += 1;
    this.occupancy.add(1, now);
    this.peak = Math.max(this.peak, this.inFlight);
    const level = this.inFlight + this.held;
    if (level >= this.limit) this.windows.noteFull();
    this.pacer?.sent(now);
    const ticket = { sentAt: now, seq: (this.sent += 1), level };
    this.outstanding.add(ticket);
    return ticket;
  }

  /**
   * The answer (or failure) of a sent request. Returns how long its slot stays occupied (0: free
   * now); the caller calls `releaseHeld` after that long.
   */
  settle(ticket: Ticket, signal: Signal, now: number): { holdMs: number } {
    this.inFlight -= 1;
    this.occupancy.add(-1, now);
    this.outstanding.delete(ticket);
    const outcome = this.react(ticket, signal, now);
    this.closeRateEpisode(now);
    return outcome;
  }

  private react(ticket: Ticket, signal: Signal, now: number): { holdMs: number } {
    const rttMs = Math.max(0, now - ticket.sentAt);
    switch (signal.kind) {
      case 'answered':
        this.answered(ticket, rttMs, signal.usedPercent, now);
        return { holdMs: 0 };
      case 'throttled':
        return this.refused(ticket, rttMs, signal.retryAfterMs, now);
      case 'overloaded':
        // Unavailable, not a verdict on this caller's allowance: back off without reading a limit into it.
        this.throttled += 1;
        if (signal.retryAfterMs !== undefined) this.pauseUntil(now + signal.retryAfterMs, now);
        this.backOff(ticket, now);
        return { holdMs: 0 };
      case 'timeout':
        this.timeouts += 1;
        this.backOff(ticket, now);
        return { holdMs: 0 };
      case 'failed':
        return { holdMs: 0 };
    }
  }

  releaseHeld(): void {
    this.held = Math.max(0, this.held - 1);
  }

  /** How long to wait before retrying a request refused without Retry-After: in round trips, not seconds. */
  throttleRetryUnitMs(): number {
    return Math.max(1, this.windows.srttMs ?? DEFAULT_HOLD_MS);
  }

  stats(now: number): ControllerStats {
    return {
      mode: this.settings.mode,
      ceiling: this.settings.ceiling,
      limit: this.limit,
      inFlight: this.inFlight,
      averageInFlight: this.occupancy.average(now),
      peakInFlight: this.peak,
      requests: this.requests,
      throttled: this.throttled,
      timeouts: this.timeouts,
      pausedMs: this.pausedMs,
      ...(this.pacer ? { paceRequestsPerSecond: this.pacer.requestsPerSecond } : {}),
      ...(this.revealedCap !== undefined ? { revealedCap: this.revealedCap } : {}),
    };
  }

  // ---- answers

  private answered(ticket: Ticket, rttMs: number, usedPercent: number | undefined, now: number): void {
    if (!this.adaptive) return;
    this.accepted.add(ticket, now);
    if (usedPercent !== undefined && usedPercent >= NEAR_LIMIT_PERCENT) this.nearLimit(ticket, usedPercent, now);
    const verdict = this.windows.sample(rttMs, now, ticket.sentAt);
    if (verdict) this.judge(verdict, now);
  }

  /** The API says the caller is close to its limit: stop growing; very close, slow down before a refusal. */
  private nearLimit(ticket: Ticket, usedPercent: number, now: number): void {
    this.windows.noteNearLimit();
    this.pacer?.hold(now);
    // A level, not an event: it stays high while the allowance refills, so slow down at most this often.
    if (usedPercent < AT_LIMIT_PERCENT || now - this.usageCutAt < USAGE_CUT_EVERY_MS) return;
    this.usageCutAt = now;
    this.slowStart = false;
    // Still spending faster than it refills: ease the pace until the level stops rising.
    if (this.pacer) this.pacer.cut(this.pacer.requestsPerSecond * USAGE_EASE, now);
    else this.endRateEpisode(ticket);
  }

  private judge(verdict: WindowVerdict, now: number): void {
    const loopBusy = this.loopBusy();
    if (verdict.troubled) {
      this.slowStreak = 0;
      return;
    }
    if (verdict.nearLimit) return;
    if (loopBusy >= LOOP_SATURATED) {
      // The own event loop is the bottleneck: RTTs say nothing about the API, and more requests in
      // flight would not go faster. Hold, and stop doubling.
      this.slowStart = false;
      return;
    }
    const rise = verdict.meanRttMs / Math.max(verdict.baselineMs, Number.EPSILON) - 1;
    const slow = rise > RTT_RISE && verdict.meanRttMs - verdict.baselineMs > MIN_RTT_RISE_MS;
    if (slow) {
      if (this.slowStart) {
        // The last doubling overshot: back to the level whose RTTs were still at the baseline.
        this.slowStart = false;
        this.limitValue = Math.max(1, this.doubledFrom ?? this.limitValue);
        this.doubledFrom = undefined;
        return;
      }
      this.slowStreak += 1;
      if (this.slowStreak >= SLOW_WINDOWS_TO_SHRINK) {
        this.slowStreak = 0;
        this.reactedAt = now;
        // As far down as the queue that formed (the RTT's excess over the baseline), within bounds.
        this.limitValue = Math.max(1, this.limitValue * Math.min(BACKOFF, Math.max(DEEPEST_LATENCY_CUT, (1 + RTT_RISE / 2) / (1 + rise))));
      }
      return;
    }
    this.slowStreak = 0;
    this.doubledFrom = undefined;
    if (!verdict.full) return;
    if (this.revealedCap !== undefined && this.limit > this.revealedCap) {
      // A probe above the cap ran cleanly: the cap was lifted.
      this.revealedCap = undefined;
      this.probeEveryMs = FIRST_PROBE_MS;
    }
    if (!this.slowStart) {
      this.grow(this.limitValue + 1, now);
      return;
    }
    const before = this.limitValue;
    this.grow(this.limitValue * 2, now);
    if (this.limitValue > before) this.doubledFrom = before;
    // At the ceiling there is nothing left to double.
    if (this.limitValue >= this.settings.ceiling) this.slowStart = false;
  }

  // ---- refusals

  private refused(ticket: Ticket, rttMs: number, retryAfterMs: number | undefined, now: number): { holdMs: number } {
    this.throttled += 1;
    if (retryAfterMs !== undefined) this.pauseUntil(now + retryAfterMs, now);
    if (!this.adaptive) return { holdMs: 0 };
    this.windows.noteTrouble();
    const instant = this.isInstant(rttMs, now);
    const holdMs = instant ? Math.max(1, this.windows.srttMs ?? DEFAULT_HOLD_MS) : 0;
    if (holdMs > 0) this.held += 1;
    // Refused at once, no Retry-After, above one request: a cap on requests at once when the level
    // was just reached, or when a cap is known already (then it shrank). A level that ran cleanly
    // with no cap known is a rate instead.
    const ranCleanly = ticket.sentAt - this.lastIncreaseAt >= CLEAN_RUN_MS;
    const slots = instant && retryAfterMs === undefined && ticket.level > 1 && (this.revealedCap !== undefined || !ranCleanly);
    const episode = this.newEpisode(ticket);
    // Every refusal of a burst narrows the cap: the lowest level tells the most. The level it was sent
    // at counts answers still on their way back, which the API had already let go; the requests still
    // in flight when the refusal arrives are what the API was holding.
    if (slots) this.capAt(Math.min(ticket.level - 1, this.inFlight), { now, failedProbe: episode && this.revealedCap !== undefined && ticket.level > this.revealedCap });
    if (!episode) return { holdMs };
    this.reactedAt = now;
    this.slowStart = false;
    this.slowStreak = 0;
    if (slots) return { holdMs };
    if (instant || retryAfterMs !== undefined) this.endRateEpisode(ticket);
    else this.shrink();
    return { holdMs };
  }

  /** The API takes at most `level` requests at once: hold it, and probe above it only now and then. */
  private capAt(level: number, options: { now: number; failedProbe: boolean }): void {
    this.revealedCap = Math.max(1, Math.min(this.revealedCap ?? Infinity, level));
    this.limitValue = Math.min(this.limitValue, this.revealedCap);
    if (options.failedProbe) this.probeEveryMs = Math.min(MAX_PROBE_MS, this.probeEveryMs * 2);
    this.probeAt = options.now + this.probeEveryMs;
  }

  /**
   * A rate limit, met by request `end`: pace a little under the rate accepted since the previous
   * episode (or slower, if already pacing), once every request sent before it has been answered
   * (those in flight were accepted too, they only have not said so yet).
   */
  private endRateEpisode(end: Ticket): void {
    this.episodeEnd = end;
  }

  private closeRateEpisode(now: number): void {
    const until = this.episodeEnd;
    if (until === undefined) return;
    for (const ticket of this.outstanding) if (ticket.seq < until.seq) return;
    this.episodeEnd = undefined;
    const accepted = this.accepted.close(until);
    // Nothing accepted yet says nothing about the rate: then only the pause applies.
    if (accepted <= 0) return;
    const rate = Math.max(MIN_REQUESTS_PER_SECOND, PACE_MARGIN * accepted);
    if (this.pacer) this.pacer.cut(rate, now);
    else this.pacer = new Pacer(rate, now);
  }

  private pauseUntil(until: number, now: number): void {
    if (until <= this.pausedUntil) return;
    this.pausedMs += until - Math.max(this.pausedUntil, now);
    this.pausedUntil = until;
  }

  /** Overload or a timeout: a multiplicative decrease, once per episode. */
  private backOff(ticket: Ticket, now: number): void {
    if (!this.adaptive) return;
    this.windows.noteTrouble();
    if (!this.newEpisode(ticket)) return;
    this.reactedAt = now;
    this.shrink();
  }

  private shrink(): void {
    this.slowStart = false;
    this.limitValue = Math.max(1, this.limitValue * BACKOFF);
  }

  private grow(target: number, now: number): void {
    let ceiling = this.settings.ceiling;
    if (this.revealedCap !== undefined) ceiling = Math.min(ceiling, now >= this.probeAt ? this.revealedCap + 1 : this.revealedCap);
    const next = Math.min(ceiling, target);
    if (next <= this.limitValue) return;
    if (Math.floor(next) > this.limit) this.lastIncreaseAt = now;
    this.limitValue = next;
  }

  // ---- helpers

  private newEpisode(ticket: Ticket): boolean {
    return ticket.sentAt >= this.reactedAt;
  }

  private isInstant(rttMs: number, now: number): boolean {
    const reference = this.windows.baselineMs(now) ?? this.windows.srttMs;
    return reference === undefined || rttMs < INSTANT_SHARE * reference;
  }
}
