/**
 * Event times of audience changes: the processing time, except that a person's second change to an
 * audience within the same millisecond gets a later one, so their changes never share a time (the
 * order does not hang on how ties are broken). Only times that a new change could still tie with
 * are remembered, so memory stays small and times run ahead of the clock only by one person's
 * changes within a millisecond.
 */
export class ChangeTimes {
  /** The latest time given so far. */
  private latestMs = Number.NEGATIVE_INFINITY;
  /** Times given, by audience then person, all of them ≥ the clock when they were given. */
  private recent = new Map<string, Map<string, number>>();

  /** The time for this change, not yet remembered (the row may still be rejected). */
  next(who: { list: string; person: string }, nowMs: number): number {
    if (nowMs > this.latestMs) {
      // Every time given is earlier than now: none can tie with a new change.
      if (this.recent.size > 0) this.recent = new Map();
      return nowMs;
    }
    const previous = this.recent.get(who.list)?.get(who.person);
    return previous === undefined ? nowMs : Math.max(nowMs, previous + 1);
  }

  /** The change was mapped with this time. */
  used(who: { list: string; person: string }, timeMs: number): void {
    this.latestMs = Math.max(this.latestMs, timeMs);
    let byPerson = this.recent.get(who.list);
    if (!byPerson) this.recent.set(who.list, (byPerson = new Map()));
    byPerson.set(who.person, timeMs);
  }
}
