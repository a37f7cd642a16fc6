/**
 * Round-trip times judged per window rather than per answer: a window lasts at least one smoothed
 * RTT and a few answers, and its mean is compared with the lowest window mean of the recent past
 * (the baseline: what the API answers in when no queue has formed). Pure: the caller passes the clock.
 */

/** Answers a window needs before it is judged. */
const MIN_ANSWERS = 3;
/** Windows shorter than this are too noisy to judge, whatever the RTT. */
const MIN_WINDOW_MS = 10;
/** How far back the baseline looks: a lasting change of the API's speed becomes the new normal. */
const BASELINE_HORIZON_MS = 15_000;
/** Weight of a new answer in the smoothed RTT. */
const SMOOTHING = 1 / 8;

export interface WindowVerdict {
  meanRttMs: number;
  baselineMs: number;
  /** The limit was reached at some point: the window says something about more concurrency. */
  full: boolean;
  /** A refusal, timeout or slowdown signal came during the window: it is not a clean sample. */
  troubled: boolean;
  /** The API said the caller is close to its limit. */
  nearLimit: boolean;
}

interface OpenWindow {
  startedAt: number;
  answers: number;
  rttSumMs: number;
  full: boolean;
  troubled: boolean;
  nearLimit: boolean;
}

export class RttWindows {
  private window: OpenWindow;
  /** Window means of the horizon that may still become its minimum: increasing, oldest first. */
  private readonly candidates: { at: number; meanMs: number }[] = [];
  private smoothed: number | undefined;

  constructor(now: number) {
    this.window = fresh(now);
  }

  /** Smoothed RTT of answered requests (ms), once there is one. */
  get srttMs(): number | undefined {
    return this.smoothed;
  }

  /** The lowest recent window mean, once a window was judged. */
  baselineMs(now: number): number | undefined {
    this.forget(now);
    return this.candidates[0]?.meanMs;
  }

  noteFull(): void {
    this.window.full = true;
  }

  noteTrouble(): void {
    this.window.troubled = true;
  }

  noteNearLimit(): void {
    this.window.nearLimit = true;
  }

  /**
   * Adds an answer's RTT; returns the verdict when this answer closes the window. Only requests sent
   * since the window opened count towards it: the window judges the level in force.
   */
  sample(rttMs: number, now: number, sentAt: number): WindowVerdict | undefined {
    this.smoothed = this.smoothed === undefined ? rttMs : this.smoothed + SMOOTHING * (rttMs - this.smoothed);
    const window = this.window;
    if (sentAt < window.startedAt) return undefined;
    window.answers += 1;
    window.rttSumMs += rttMs;
    if (window.answers < MIN_ANSWERS || now - window.startedAt < Math.max(MIN_WINDOW_MS, this.smoothed)) return undefined;
    const meanRttMs = window.rttSumMs / window.answers;
    // A sliding-window minimum: an older mean at or above the new one can never be the minimum again.
    while (this.candidates.length > 0 && (this.candidates[this.candidates.length - 1] as { meanMs: number }).meanMs >= meanRttMs) this.candidates.pop();
    this.candidates.push({ at: now, meanMs: meanRttMs });
    const baselineMs = this.baselineMs(now) ?? meanRttMs;
    this.window = fresh(now);
    return { meanRttMs, baselineMs, full: window.full, troubled: window.troubled, nearLimit: window.nearLimit };
  }

  private forget(now: number): void {
    // Keep the newest entry whatever its age: a baseline must exist once one window was judged.
    while (this.candidates.length > 1 && now - (this.candidates[0] as { at: number }).at > BASELINE_HORIZON_MS) this.candidates.shift();
  }
}

function fresh(now: number): OpenWindow {
  return { startedAt: now, answers: 0, rttSumMs: 0, full: false, troubled: false, nearLimit: false };
}
