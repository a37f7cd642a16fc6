import type { AudienceAction, IdentifierKey } from '../rules/map-audience.js';
import type { RecordInfo } from '../sync/records.js';

/** One identifier in an audience request, and every record that asked for it (deduplicated). */
export interface AudienceItem {
  identifier: string;
  records: RecordInfo[];
}

/** What one audience request carries: one list, one action, one identifier kind. */
export interface AudienceBatch {
  list: string;
  action: AudienceAction;
  key: IdentifierKey;
  items: AudienceItem[];
  /** Same person key per item, in order (for the in-flight bookkeeping). */
  persons: string[];
}

export interface AudienceChange {
  list: string;
  action: AudienceAction;
  key: IdentifierKey;
  identifier: string;
  /** Who the change is about, whatever identifier kind carries it (the SHA-256 of the email). */
  person: string;
  record: RecordInfo;
}

interface OpenChange {
  action: AudienceAction;
  key: IdentifierKey;
  item: AudienceItem;
}

/** Changes of one list not sent yet: at most one per person, the latest. */
interface OpenList {
  readonly list: string;
  readonly openedAt: number;
  readonly changes: Map<string, OpenChange>;
  /** How many open changes each (action, identifier kind) request would carry. */
  readonly sizes: Record<AudienceAction, Record<IdentifierKey, number>>;
}

interface InFlight {
  action: AudienceAction;
  requests: number;
  /** Made only when a change of the other action asks (rare): most persons in flight are never waited for. */
  settled?: Promise<void>;
  wake?: () => void;
}

export interface AudienceChangesOptions {
  maxItems: number;
  /** Lists with unsent changes at most; beyond, the oldest list is sent (keeps memory flat with many lists). */
  maxOpenLists: number;
  now: () => number;
}

/**
 * Batches audience changes so that Rokt ends with the membership of the last row for each (list,
 * person), whatever batching, retries and concurrency do:
 * - unsent, a later change for a person replaces the earlier one (whose records ride along and
 *   settle with it), so add → remove → add in one batch window sends one add;
 * - sent, a change of the other action waits until every request carrying the person settled
 *   (`conflict` says what to wait for), so a retried include can never land after a later exclude.
 * Keys are structured (list name, then person): list names are data.
 */
export class AudienceChanges {
  private readonly open = new Map<string, OpenList>();
  private readonly inFlight = new Map<string, Map<string, InFlight>>();

  constructor(private readonly options: AudienceChangesOptions) {}

  /** A promise to wait for before `add`-ing this change, when a request of the other action carries the person. */
  conflict(change: Pick<AudienceChange, 'list' | 'action' | 'person'>): Promise<void> | undefined {
    const flight = this.inFlight.get(change.list)?.get(change.person);
    if (!flight || flight.action === change.action) return undefined;
    return (flight.settled ??= new Promise<void>((resolve) => (flight.wake = resolve)));
  }

  /** Adds a change (call `conflict` first); returns the batches that became ready. */
  add(change: AudienceChange): AudienceBatch[] {
    let open = this.open.get(change.list);
    if (!open) {
      open = { list: change.list, openedAt: this.options.now(), changes: new Map(), sizes: { include: { emails: 0, sha256s: 0 }, exclude: { emails: 0, sha256s: 0 } } };
      this.open.set(change.list, open);
    }
    const existing = open.changes.get(change.person);
    if (existing && existing.action === change.action && existing.key === change.key && existing.item.identifier === change.identifier) {
      existing.item.records.push(change.record);
      return [];
    }
    const records = existing ? [...existing.item.records, change.record] : [change.record];
    if (existing) {
      open.sizes[existing.action][existing.key] -= 1;
      open.changes.delete(change.person); // re-inserted last: it is now the latest change
    }
    open.changes.set(change.person, { action: change.action, key: change.key, item: { identifier: change.identifier, records } });
    const ready: AudienceBatch[] = [];
    if ((open.sizes[change.action][change.key] += 1) >= this.options.maxItems) ready.push(this.takeGroup(open, change.action, change.key));
    if (open.changes.size === 0) this.open.delete(open.list);
    if (this.open.size > this.options.maxOpenLists) {
      const oldest = this.open.values().next().value as OpenList;
      ready.push(...this.takeList(oldest));
    }
    return ready;
  }

  takeAll(): AudienceBatch[] {
    return [...this.open.values()].flatMap((open) => this.takeList(open));
  }

  takeOlderThan(ageMs: number): AudienceBatch[] {
    const cutoff = this.options.now() - ageMs;
    return [...this.open.values()].filter((open) => open.openedAt <= cutoff).flatMap((open) => this.takeList(open));
  }

  get openLists(): number {
    return this.open.size;
  }

  /** The batch's request has settled (accepted, rejected or given up): later changes of its persons may go. */
  settled(batch: AudienceBatch): void {
    const flights = this.inFlight.get(batch.list);
    if (!flights) return;
    for (const person of batch.persons) {
      const flight = flights.get(person);
      if (!flight || (flight.requests -= 1) > 0) continue;
      flights.delete(person);
      flight.wake?.();
    }
    if (flights.size === 0) this.inFlight.delete(batch.list);
  }

  private takeList(open: OpenList): AudienceBatch[] {
    const batches: AudienceBatch[] = [];
    for (const action of ['include', 'exclude'] as const) {
      for (const key of ['emails', 'sha256s'] as const) if (open.sizes[action][key] > 0) batches.push(this.takeGroup(open, action, key));
    }
    return batches;
  }

  /** Takes one (action, kind) group out of the list's open changes, in arrival order, and marks it in flight. */
  private takeGroup(open: OpenList, action: AudienceAction, key: IdentifierKey): AudienceBatch {
    const batch: AudienceBatch = { list: open.list, action, key, items: [], persons: [] };
    for (const [person, change] of open.changes) {
      if (change.action !== action || change.key !== key) continue;
      batch.items.push(change.item);
      batch.persons.push(person);
      open.changes.delete(person);
    }
    open.sizes[action][key] = 0;
    if (open.changes.size === 0) this.open.delete(open.list);
    this.markInFlight(batch);
    return batch;
  }

  private markInFlight(batch: AudienceBatch): void {
    let flights = this.inFlight.get(batch.list);
    if (!flights) this.inFlight.set(batch.list, (flights = new Map()));
    for (const person of batch.persons) {
      const flight = flights.get(person);
      if (flight) {
        // Only the same action can be in flight here: a change of the other action waited (see conflict).
        flight.requests += 1;
        continue;
      }
      flights.set(person, { action: batch.action, requests: 1 });
    }
  }
}
