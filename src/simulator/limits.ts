// Load limits for the Rokt simulator: a rate limit (token bucket), a cap on requests at once, and
// a queueing server whose latency rises with load. Each decides at a request's arrival whether it
// is refused at once or admitted (and how much later it is answered), and records what the server
// really delivered: arrival, start of service and answer times as the server measured them, its own
// timer lateness and work included. Pure: every call gets the time, so the same limits serve the
// simulator (real clock) and in-process tests (fake clock).

/** The data endpoints a limit applies to by default (not token or auth-check calls). */
const DATA_PATHS = /^\/(v1\/events|v2\/events|v2\/bulkevents|v3\/import\/suppression|api\/1\.0\/import\/suppression)$/;

export interface LimitedRequest {
  seq: number;
  path: string;
}

/** A refusal sent at once (no latency), or an admission answered `delayMs` later than usual. */
export type Admission =
  | { kind: 'refuse'; status: number; headers: Record<string, string>; body: unknown }
  | { kind: 'admit'; delayMs: number; headers?: Record<string, string> };

export interface LoadLimit {
  /** At a request's arrival; undefined when the limit does not apply to it. */
  admit(request: LimitedRequest, nowMs: number): Admission | undefined;
  /** The answer to a request was sent (or its connection closed). */
  finished(seq: number, nowMs: number): void;
  readonly log: LoadLog;
}

export interface ServedRequest {
  seq: number;
  arrivedAt: number;
  /** When service began (later than arrival only in a queue). */
  startedAt: number;
  finishedAt: number;
}

export interface LoadSummary {
  admitted: number;
  refused: number;
  /** Admitted requests answered per second between the first arrival and the last answer. */
  admittedPerSecond: number;
  /** Mean time from arrival to answer of admitted requests (ms), as the server measured it. */
  meanLatencyMs: number;
  /** Mean time from the start of service to the answer (ms): the service time without queueing. */
  meanServiceMs: number;
  p90LatencyMs: number;
  firstArrivalMs: number;
  lastAnswerMs: number;
}

/** What a limited server saw and did. */
export class LoadLog {
  readonly served: ServedRequest[] = [];
  readonly refusedAt: number[] = [];
  readonly #open = new Map<number, { arrivedAt: number; startedAt: number }>();
  #firstArrival: number | undefined;

  arrived(nowMs: number): void {
    this.#firstArrival ??= nowMs;
  }

  get firstArrivalMs(): number | undefined {
    return this.#firstArrival;
  }

  refused(nowMs: number): void {
    this.refusedAt.push(nowMs);
  }

  admitted(seq: number, arrivedAt: number, startedAt: number): void {
    this.#open.set(seq, { arrivedAt, startedAt });
  }

  /** Returns whether `seq` was an admitted request still open. */
  finished(seq: number, nowMs: number): boolean {
    const open = this.#open.get(seq);
    if (!open) return false;
    this.#open.delete(seq);
    this.served.push({ seq, ...open, finishedAt: nowMs });
    return true;
  }

  /** Admitted requests answered and refusals in [fromMs, toMs). */
  between(fromMs: number, toMs: number): { answered: number; refused: number } {
    let answered = 0;
    for (const request of this.served) if (request.finishedAt >= fromMs && request.finishedAt < toMs) answered += 1;
    let refused = 0;
    for (const at of this.refusedAt) if (at >= fromMs && at < toMs) refused += 1;
    return { answered, refused };
  }

  /**
   * How long after `changedAt` the client took to settle at a new capacity of `perSecond`: the start
   * of the first three-second window in which the server answered at least 85% of what it allowed
   * and refused nothing (undefined: never, before `untilMs`).
   */
  settledAfter(changedAt: number, perSecond: number, untilMs: number): number | undefined {
    const windowMs = 3000;
    for (let offset = 0; changedAt + offset + windowMs <= untilMs; offset += 100) {
      const { answered, refused } = this.between(changedAt + offset, changedAt + offset + windowMs);
      if (answered >= 0.85 * perSecond * (windowMs / 1000) && refused === 0) return offset;
    }
    return undefined;
  }

  summary(): LoadSummary {
    const served = this.served;
    const first = this.#firstArrival ?? 0;
    const last = served.reduce((latest, request) => Math.max(latest, request.finishedAt), first);
    const latencies = served.map((request) => request.finishedAt - request.arrivedAt).sort((a, b) => a - b);
    const mean = (values: number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0);
    return {
      admitted: served.length,
      refused: this.refusedAt.length,
      admittedPerSecond: last > first ? (served.length * 1000) / (last - first) : 0,
      meanLatencyMs: mean(latencies),
      meanServiceMs: mean(served.map((request) => request.finishedAt - request.startedAt)),
      p90LatencyMs: latencies.length ? (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.9))] as number) : 0,
      firstArrivalMs: first,
      lastAnswerMs: last,
    };
  }
}

function tooManyRequests(message: string, headers: Record<string, string>): Admission {
  return { kind: 'refuse', status: 429, headers, body: { data: { code: 'TooManyRequests', message } } };
}

/**
 * At most `perSecond` requests per second, as a token bucket holding `burstSeconds` worth of
 * requests that starts empty when the limit is created (no free burst). Beyond it: 429 with
 * `Retry-After` in whole seconds (at least 1), as mParticle's API answers. With `reportUsage`,
 * admitted answers carry `X-mp-rate-limit-percentage-used`: the requests admitted in the last second
 * as a share of the rate.
 */
export class RateLimit implements LoadLimit {
  readonly log = new LoadLog();
  #perSecond: number;
  #tokens = 0;
  #refilledAt: number;
  /** When the requests of the last second were admitted (for the usage header). */
  readonly #admittedAt: number[] = [];

  constructor(
    perSecond: number,
    nowMs: number,
    private readonly options: { burstSeconds?: number; retryAfter?: boolean; reportUsage?: boolean; paths?: RegExp } = {},
  ) {
    this.#perSecond = perSecond;
    this.#refilledAt = nowMs;
  }

  get perSecond(): number {
    return this.#perSecond;
  }

  /** Changes the rate from now on (the bucket keeps what it holds, up to the new capacity). */
  setRate(perSecond: number, nowMs: number): void {
    this.#refill(nowMs);
    this.#perSecond = perSecond;
    this.#tokens = Math.min(this.#tokens, this.#capacity());
  }

  admit(request: LimitedRequest, nowMs: number): Admission | undefined {
    if (!(this.options.paths ?? DATA_PATHS).test(request.path)) return undefined;
    this.log.arrived(nowMs);
    this.#refill(nowMs);
    if (this.#tokens < 1) {
      this.log.refused(nowMs);
      const headers: Record<string, string> = { 'x-mp-rate-limit-exceeded': 'account' };
      if (this.options.retryAfter !== false) headers['retry-after'] = String(Math.max(1, Math.ceil((1 - this.#tokens) / this.#perSecond)));
      return tooManyRequests(`more than ${this.#perSecond} requests per second`, headers);
    }
    this.#tokens -= 1;
    this.log.admitted(request.seq, nowMs, nowMs);
    if (!this.options.reportUsage) return { kind: 'admit', delayMs: 0 };
    this.#admittedAt.push(nowMs);
    while ((this.#admittedAt[0] as number) <= nowMs - 1000) this.#admittedAt.shift();
    const used = Math.round((100 * this.#admittedAt.length) / this.#perSecond);
    return { kind: 'admit', delayMs: 0, headers: { 'x-mp-rate-limit-percentage-used': String(used) } };
  }

  finished(seq: number, nowMs: number): void {
    this.log.finished(seq, nowMs);
  }

  #capacity(): number {
    return Math.max(1, this.#perSecond * (this.options.burstSeconds ?? 1));
  }

  #refill(nowMs: number): void {
    // Requests may be decided out of arrival order (a slow body): time never runs backwards here.
    if (nowMs <= this.#refilledAt) return;
    this.#tokens = Math.min(this.#capacity(), this.#tokens + ((nowMs - this.#refilledAt) * this.#perSecond) / 1000);
    this.#refilledAt = nowMs;
  }
}

/** At most `max` requests at once; beyond, 429 at once without Retry-After. */
export class ConcurrencyLimit implements LoadLimit {
  readonly log = new LoadLog();
  #active = 0;

  constructor(
    public max: number,
    private readonly options: { paths?: RegExp } = {},
  ) {}

  admit(request: LimitedRequest, nowMs: number): Admission | undefined {
    if (!(this.options.paths ?? DATA_PATHS).test(request.path)) return undefined;
    this.log.arrived(nowMs);
    if (this.#active >= this.max) {
      this.log.refused(nowMs);
      return tooManyRequests(`more than ${this.max} requests at once`, {});
    }
    this.#active += 1;
    this.log.admitted(request.seq, nowMs, nowMs);
    return { kind: 'admit', delayMs: 0 };
  }

  finished(seq: number, nowMs: number): void {
    if (this.log.finished(seq, nowMs)) this.#active -= 1;
  }
}

/**
 * `workers` requests served at once, each taking `serviceMs`; the others wait in line (first come,
 * first served), so latency rises with load and nothing is refused. Capacity: workers / serviceMs.
 */
export class QueueingServer implements LoadLimit {
  readonly log = new LoadLog();
  /** When each worker is next free. */
  #freeAt: number[];

  constructor(
    workers: number,
    public serviceMs: number,
    private readonly options: { paths?: RegExp } = {},
  ) {
    this.#freeAt = Array.from({ length: workers }, () => -Infinity);
  }

  get workers(): number {
    return this.#freeAt.length;
  }

  /** Adds or removes workers from now on (a removed worker finishes the request it serves). */
  setWorkers(workers: number): void {
    const byFreeTime = [...this.#freeAt].sort((a, b) => a - b);
    this.#freeAt = workers <= byFreeTime.length ? byFreeTime.slice(0, workers) : [...byFreeTime, ...Array.from({ length: workers - byFreeTime.length }, () => -Infinity)];
  }

  admit(request: LimitedRequest, nowMs: number): Admission | undefined {
    if (!(this.options.paths ?? DATA_PATHS).test(request.path)) return undefined;
    this.log.arrived(nowMs);
    let worker = 0;
    for (let index = 1; index < this.#freeAt.length; index += 1) if ((this.#freeAt[index] as number) < (this.#freeAt[worker] as number)) worker = index;
    const startedAt = Math.max(nowMs, this.#freeAt[worker] as number);
    this.#freeAt[worker] = startedAt + this.serviceMs;
    this.log.admitted(request.seq, nowMs, startedAt);
    return { kind: 'admit', delayMs: startedAt + this.serviceMs - nowMs };
  }

  finished(seq: number, nowMs: number): void {
    this.log.finished(seq, nowMs);
  }
}
