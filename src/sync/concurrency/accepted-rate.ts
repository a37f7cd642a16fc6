/**
 * The rate a rate limit grants, measured between two of its refusals: requests accepted among those
 * sent since the previous refusal, per second of that span. Between two refusals the allowance went
 * from empty to empty, so what it accepted is what it refilled — a pause included (it refills during
 * the pause and is spent after it), where a shorter span would count the refilled burst as rate.
 * Counted by send order (requests sent at the same moment as the refused one, before it, count),
 * once every request sent in the span has been answered. Pure: the caller passes the clock.
 */

/** Spans further back than this no longer describe the allowance. */
const MAX_SPAN_MS = 5_000;
/** Shortest span a rate is computed over (a refusal right after the previous one). */
const MIN_SPAN_MS = 100;

/** A request as sent: when, and its place in the send order. */
export interface Sent {
  readonly sentAt: number;
  readonly seq: number;
}

export class AcceptedRate {
  /** Accepted requests, roughly oldest first (answers come back out of order). */
  private readonly accepted: Sent[] = [];
  private head = 0;
  private from: Sent;

  constructor(now: number) {
    this.from = { sentAt: now, seq: 0 };
  }

  add(request: Sent, now: number): void {
    this.accepted.push(request);
    while (this.head < this.accepted.length && now - (this.accepted[this.head] as Sent).sentAt > 2 * MAX_SPAN_MS) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.accepted.length) {
      this.accepted.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * Accepted requests per second among those sent from the previous close (or the start) up to, not
   * including, `until`; the next span starts there.
   */
  close(until: Sent): number {
    const from = until.sentAt - this.from.sentAt > MAX_SPAN_MS ? { sentAt: until.sentAt - MAX_SPAN_MS, seq: 0 } : this.from;
    this.from = until;
    let count = 0;
    for (let index = this.head; index < this.accepted.length; index += 1) {
      const request = this.accepted[index] as Sent;
      if (request.seq >= from.seq && request.seq < until.seq && request.sentAt >= from.sentAt) count += 1;
    }
    return (count * 1000) / Math.max(MIN_SPAN_MS, until.sentAt - from.sentAt);
  }
}
