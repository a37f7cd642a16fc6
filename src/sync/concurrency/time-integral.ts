/**
 * A value that changes over time (requests in flight, requests waiting), integrated so its average
 * and the time it spent above zero can be reported. Pure: the caller passes the clock.
 */
export class TimeIntegral {
  private value = 0;
  private since: number | undefined;
  private startedAt: number | undefined;
  private area = 0;
  private positiveMs = 0;

  /** Adds `delta` to the value at `now`. The first change starts the clock. */
  add(delta: number, now: number): void {
    this.advance(now);
    this.value += delta;
  }

  get current(): number {
    return this.value;
  }

  /** Mean value from the first change until `now` (0 before it). */
  average(now: number): number {
    this.advance(now);
    const elapsed = this.startedAt === undefined ? 0 : now - this.startedAt;
    return elapsed > 0 ? this.area / elapsed : this.value;
  }

  /** Time (ms) the value spent above zero, until `now`. */
  timeAboveZero(now: number): number {
    this.advance(now);
    return this.positiveMs;
  }

  private advance(now: number): void {
    if (this.since === undefined) {
      this.since = now;
      this.startedAt = now;
      return;
    }
    const elapsed = Math.max(0, now - this.since);
    this.area += this.value * elapsed;
    if (this.value > 0) this.positiveMs += elapsed;
    this.since = Math.max(this.since, now);
  }
}
