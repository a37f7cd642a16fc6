/**
 * Spaces requests at a rate (requests per second) once a rate limit was met: a refusal says the
 * allowance is a number of requests per unit of time, which fewer slots alone cannot hold. After a
 * cut the rate is held, then probed upwards, slowly at first and faster the longer no refusal
 * comes (acceleration limits punish sudden growth; a limit that was raised must still be found
 * again). Pure: the caller passes the clock.
 */

/** How long a cut rate is held before probing above it. */
const HOLD_MS = 2_000;
/** Growth per second when probing starts. */
const FIRST_GROWTH_PER_SECOND = 0.02;
/** The growth per second doubles this often while no refusal comes... */
const GROWTH_DOUBLES_EVERY_MS = 1_500;
/** ...up to this. */
const MAX_GROWTH_PER_SECOND = 0.4;
/** Growth only while the pace is what holds requests back (recently made one wait). */
const BINDING_WITHIN_MS = 1_000;
/** How early a request may go against the schedule (timer lateness), at most. */
const MAX_TOLERANCE_MS = 20;
/** The slowest pace: a request every two seconds. */
export const MIN_REQUESTS_PER_SECOND = 0.5;

export class Pacer {
  private rate: number;
  /** When the next request is due at this rate (a virtual schedule, with a little tolerance). */
  private due = -Infinity;
  private holdUntil = -Infinity;
  private grownAt = -Infinity;
  private boundAt = -Infinity;

  constructor(requestsPerSecond: number, now: number) {
    this.rate = Math.max(MIN_REQUESTS_PER_SECOND, requestsPerSecond);
    this.hold(now);
  }

  get requestsPerSecond(): number {
    return this.rate;
  }

  /** The earliest time the next request may go. Asked when a request is waiting to go. */
  readyAt(now: number): number {
    this.grow(now);
    const at = this.due - this.toleranceMs();
    if (at > now) this.boundAt = now;
    return Math.max(now, at);
  }

  sent(now: number): void {
    this.grow(now);
    this.due = Math.max(this.due, now) + this.intervalMs();
  }

  /** A refusal (or a warning) at this pace: go on at `requestsPerSecond`, held for a while. */
  cut(requestsPerSecond: number, now: number): void {
    this.rate = Math.max(MIN_REQUESTS_PER_SECOND, Math.min(this.rate, requestsPerSecond));
    this.hold(now);
  }

  /** No growth for a while (e.g. the API says the caller is close to its limit). */
  hold(now: number): void {
    this.holdUntil = Math.max(this.holdUntil, now + HOLD_MS);
    this.grownAt = this.holdUntil;
  }

  private intervalMs(): number {
    return 1000 / this.rate;
  }

  /** Early by up to one interval, to absorb timer lateness; never a burst a slow allowance cannot take. */
  private toleranceMs(): number {
    return Math.min(this.intervalMs(), MAX_TOLERANCE_MS);
  }

  private grow(now: number): void {
    const from = Math.max(this.grownAt, this.holdUntil);
    if (now <= from) return;
    this.grownAt = now;
    if (now - this.boundAt > BINDING_WITHIN_MS) return;
    const probing = from - this.holdUntil;
    const perSecond = Math.min(MAX_GROWTH_PER_SECOND, FIRST_GROWTH_PER_SECOND * 2 ** Math.floor(probing / GROWTH_DOUBLES_EVERY_MS));
    this.rate *= (1 + perSecond) ** ((now - from) / 1000);
  }
}
