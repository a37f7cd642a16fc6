/**
 * Groups batches into `/v2/bulkevents` requests: at most `maxItems` batches and `maxBytes` of body
 * per request. Audience changes keep their order per (audience, person), one change in flight at a
 * time, so a retried `add` can never land after a later `drop`:
 * - two changes of one person never share a request (the API does not say it processes a request's
 *   batches in order): a change of a person already in the open request closes it, and goes into the
 *   next request, which is sent only once the closed one has settled (see `after`);
 * - a change of a person whose previous change is in a request already handed out waits (`waitFor`)
 *   until that request has settled.
 * Requests are handed out in the order they were opened, so a request's `after` was always handed
 * out before it and started before it.
 */
import type { AddResult, ItemBatches } from '../sync/family.js';
import type { MparticleItem, MparticleRequest } from './item.js';

export interface RequestLimits {
  maxItems: number;
  maxBytes: number;
  now: () => number;
}

/** `[` and `]` around the batches; each batch adds its bytes and one comma or the closing bracket. */
const EMPTY_BODY_BYTES = 1;

export class MparticleRequests implements ItemBatches<MparticleItem, MparticleRequest> {
  private current: MparticleRequest | undefined;
  /** The request carrying each (audience, person)'s latest unsettled change, by audience then person: names are data. */
  private readonly latest = new Map<string, Map<string, MparticleRequest>>();
  private readonly wakers = new WeakMap<MparticleRequest, () => void>();

  constructor(private readonly limits: RequestLimits) {}

  add(item: MparticleItem): AddResult<MparticleRequest> {
    const earlier = item.change && this.latest.get(item.change.list)?.get(item.change.person);
    if (earlier && earlier !== this.current) return { waitFor: earlier.settled };
    const ready: MparticleRequest[] = [];
    // The person's previous change is in the open request: close it, and send this one after it.
    if (earlier) ready.push(this.close());
    if (this.current && this.current.bytes + item.bytes + 1 > this.limits.maxBytes) ready.push(this.close());
    const request = (this.current ??= this.newRequest());
    if (earlier) request.after.add(earlier);
    request.items.push(item);
    request.bytes += item.bytes + 1;
    if (item.change) this.remember(item.change, request);
    if (request.items.length >= this.limits.maxItems) ready.push(this.close());
    return { ready };
  }

  takeAll(): MparticleRequest[] {
    return this.current ? [this.close()] : [];
  }

  takeOlderThan(ageMs: number): MparticleRequest[] {
    return this.current && this.current.openedAt <= this.limits.now() - ageMs ? [this.close()] : [];
  }

  get open(): number {
    return this.current ? 1 : 0;
  }

  settled(request: MparticleRequest): void {
    for (const item of request.items) {
      if (!item.change) continue;
      const byPerson = this.latest.get(item.change.list);
      if (byPerson?.get(item.change.person) !== request) continue;
      byPerson.delete(item.change.person);
      if (byPerson.size === 0) this.latest.delete(item.change.list);
    }
    this.wakers.get(request)?.();
  }

  private newRequest(): MparticleRequest {
    let wake!: () => void;
    const settled = new Promise<void>((resolve) => (wake = resolve));
    const request: MparticleRequest = { items: [], bytes: EMPTY_BODY_BYTES, openedAt: this.limits.now(), after: new Set(), settled };
    this.wakers.set(request, wake);
    return request;
  }

  private remember(change: NonNullable<MparticleItem['change']>, request: MparticleRequest): void {
    let byPerson = this.latest.get(change.list);
    if (!byPerson) this.latest.set(change.list, (byPerson = new Map()));
    byPerson.set(change.person, request);
  }

  private close(): MparticleRequest {
    const request = this.current as MparticleRequest;
    this.current = undefined;
    return request;
  }
}
