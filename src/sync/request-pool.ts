import { performance } from 'node:perf_hooks';
import { ConcurrencyController, type ConcurrencyFigures, type ConcurrencySettings } from './concurrency/controller.js';
import { RequestGate, systemClock, type GateClock, type GateStats } from './concurrency/gate.js';
import { TimeIntegral } from './concurrency/time-integral.js';
import { ExitGuard } from './exit-guard.js';

export type { ConcurrencySettings } from './concurrency/controller.js';

/** Time and load as the pool sees them; tests pass a fake clock and an idle event loop. */
export interface PoolEnvironment {
  clock: GateClock;
  /** A meter of the event loop's utilization (0..1) since its previous reading (one per family). */
  loopMeter: () => () => number;
}

const SYSTEM: PoolEnvironment = { clock: systemClock, loopMeter: loopUtilization };

/**
 * The pool's concurrency figures, for progress lines and the summary: `limit` is the families'
 * limits added up (at most the ceiling), `peakInFlight` the busiest family's, `pausedMs` the longest-paused
 * family's.
 */
export interface PoolStats extends ConcurrencyFigures {
  /** Time (ms) during which at least one request was ready but held back by the API's allowance. */
  waitingMs: number;
  families: GateStats[];
}

/**
 * Bounds the tasks (one batch's delivery each) in progress, and gives each API family a gate that
 * decides when its requests go (adaptive concurrency, Retry-After pauses, pacing: see
 * concurrency/). `start` returns once the task is running or waiting in a queue of one: the next
 * batch is built while every slot is busy, so a slot that frees up is refilled at once. When the
 * queue is full `start` waits, and that wait is what slows reading stdin down to Rokt's pace. The
 * first task failure is kept and reported through `onFailure`, so the pipeline can stop at once;
 * queued tasks then never start. While tasks are pending, the process may not exit quietly: an
 * event loop that runs dry fails the pool (exit-guard.ts).
 */
export class RequestPool {
  private active = 0;
  private readonly queued: (() => Promise<void>)[] = [];
  private readonly waitingForRoom: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private firstFailure: { error: unknown } | undefined;
  private signalFailure!: () => void;
  /** Resolves at the first task failure: whoever waits on Rokt races it, so the run fails promptly. */
  readonly failed = new Promise<void>((resolve) => (this.signalFailure = resolve));
  readonly settings: ConcurrencySettings;
  private readonly gates = new Map<string, RequestGate>();
  private readonly shared = { inFlight: new TimeIntegral(), waiting: new TimeIntegral() };
  private readonly exitGuard: ExitGuard;
  private readonly unsettledWatchers = new Set<() => number>();

  /** `concurrency`: the settings, or a number for a fixed number of tasks and requests in flight. */
  constructor(
    concurrency: number | ConcurrencySettings,
    private readonly onFailure: (error: unknown) => void = () => {},
    private readonly queueLimit = 1,
    private readonly environment: PoolEnvironment = SYSTEM,
  ) {
    this.settings = typeof concurrency === 'number' ? { mode: 'fixed', ceiling: concurrency } : concurrency;
    this.exitGuard = new ExitGuard({ pending: () => this.pendingWork(), trip: (error) => this.fail(error) });
  }

  /** The gate of one API family: every request of that family goes through it (see deliver). */
  gate(family: string): RequestGate {
    let gate = this.gates.get(family);
    if (!gate) {
      const { clock, loopMeter } = this.environment;
      const controller = new ConcurrencyController({ settings: this.settings, now: clock.now(), loopBusy: loopMeter() });
      gate = new RequestGate(family, controller, clock, this.shared);
      this.gates.set(family, gate);
    }
    return gate;
  }

  async start(task: () => Promise<void>): Promise<void> {
    while (this.queued.length >= this.queueLimit && !this.firstFailure) await new Promise<void>((resolve) => this.waitingForRoom.push(resolve));
    if (this.firstFailure) return; // the run is failing: nothing new starts
    this.exitGuard.arm();
    if (this.active < this.taskLimit()) this.run(task);
    else this.queued.push(task);
  }

  /**
   * Tasks in progress at once: in fixed mode (or before any family has a gate) the ceiling; in
   * adaptive mode what the families' gates let through, one spare each (the next batch ready when a
   * slot frees) and the tasks waiting to retry. More would build batches that only wait at a gate,
   * holding memory (and the records of a later state) for nothing.
   */
  private taskLimit(): number {
    if (this.settings.mode === 'fixed' || this.gates.size === 0) return this.settings.ceiling;
    let wanted = 0;
    for (const gate of this.gates.values()) wanted += gate.tasksWanted;
    return Math.max(1, Math.min(this.settings.ceiling, wanted));
  }

  private run(task: () => Promise<void>): void {
    this.active += 1;
    task()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.active -= 1;
        // A family's limit may have grown meanwhile: start as many as now fit.
        while (this.queued.length > 0 && this.active < this.taskLimit()) this.run(this.queued.shift() as () => Promise<void>);
        for (const wake of this.waitingForRoom.splice(0)) wake();
        if (this.active === 0 && this.queued.length === 0) {
          if (this.unsettledWatchers.size === 0) this.exitGuard.disarm();
          for (const wake of this.idleWaiters.splice(0)) wake();
        }
      });
  }

  private fail(error: unknown): void {
    if (this.firstFailure) return;
    this.firstFailure = { error };
    this.queued.length = 0;
    // Nobody waits for other requests' retries once the run is failing.
    for (const wake of this.waitingForRoom.splice(0)) wake();
    this.signalFailure();
    this.onFailure(error);
  }

  /** Waits for every started and queued task; throws the first failure. */
  async drain(): Promise<void> {
    if (this.active > 0 || this.queued.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.firstFailure) throw this.firstFailure.error;
  }

  get failure(): { error: unknown } | undefined {
    return this.firstFailure;
  }

  /**
   * Extends the exit guard to records not yet settled (e.g. waiting in a batch for a timer), until
   * the returned function is called.
   */
  guardExit(unsettledRecords: () => number): () => void {
    this.unsettledWatchers.add(unsettledRecords);
    this.exitGuard.arm();
    return () => {
      this.unsettledWatchers.delete(unsettledRecords);
      if (this.unsettledWatchers.size === 0 && this.active === 0 && this.queued.length === 0) this.exitGuard.disarm();
    };
  }

  stats(): PoolStats {
    const now = this.environment.clock.now();
    const families = [...this.gates.values()].map((gate) => gate.stats());
    const sum = (pick: (stats: GateStats) => number) => families.reduce((total, stats) => total + pick(stats), 0);
    return {
      mode: this.settings.mode,
      ceiling: this.settings.ceiling,
      limit: families.length ? Math.min(this.settings.ceiling, sum((stats) => stats.limit)) : this.settings.ceiling,
      inFlight: sum((stats) => stats.inFlight),
      averageInFlight: this.shared.inFlight.average(now),
      peakInFlight: Math.max(0, ...families.map((stats) => stats.peakInFlight)),
      requests: sum((stats) => stats.requests),
      throttled: sum((stats) => stats.throttled),
      timeouts: sum((stats) => stats.timeouts),
      waitingMs: this.shared.waiting.timeAboveZero(now),
      pausedMs: Math.max(0, ...families.map((stats) => stats.pausedMs)),
      families,
    };
  }

  private pendingWork(): string | undefined {
    let records = 0;
    for (const watcher of this.unsettledWatchers) records += watcher();
    const parts: string[] = [];
    if (records > 0) parts.push(`${records} records not yet settled`);
    if (this.active > 0) parts.push(`${this.active} requests in progress`);
    if (this.queued.length > 0) parts.push(`${this.queued.length} requests queued`);
    return parts.length ? parts.join(', ') : undefined;
  }
}

/** The event loop's utilization since the previous call (0..1): a saturated loop inflates every RTT. */
function loopUtilization(): () => number {
  let previous = performance.eventLoopUtilization();
  return () => {
    const current = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(current, previous);
    previous = current;
    return since.utilization;
  };
}
