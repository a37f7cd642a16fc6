/**
 * Bounds the requests in flight. `start` returns once the task is running or waiting in a queue of
 * one: the next batch is built while every slot is busy, so a slot that frees up is refilled at once
 * instead of after the time it takes to read and map a batch. When the queue is full `start` waits,
 * and that wait is what slows reading stdin down to Rokt's pace. The first task failure is kept and
 * reported through `onFailure`, so the pipeline can stop at once; queued tasks then never start.
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

  constructor(
    private readonly limit: number,
    private readonly onFailure: (error: unknown) => void = () => {},
    private readonly queueLimit = 1,
  ) {}

  async start(task: () => Promise<void>): Promise<void> {
    while (this.queued.length >= this.queueLimit && !this.firstFailure) await new Promise<void>((resolve) => this.waitingForRoom.push(resolve));
    if (this.firstFailure) return; // the run is failing: nothing new starts
    if (this.active < this.limit) this.run(task);
    else this.queued.push(task);
  }

  private run(task: () => Promise<void>): void {
    this.active += 1;
    task()
      .catch((error: unknown) => {
        if (this.firstFailure) return;
        this.firstFailure = { error };
        this.queued.length = 0;
        // Nobody waits for other requests' retries once the run is failing.
        for (const wake of this.waitingForRoom.splice(0)) wake();
        this.signalFailure();
        this.onFailure(error);
      })
      .finally(() => {
        this.active -= 1;
        const next = this.queued.shift();
        if (next) this.run(next);
        this.waitingForRoom.shift()?.();
        if (this.active === 0 && this.queued.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }

  /** Waits for every started and queued task; throws the first failure. */
  async drain(): Promise<void> {
    if (this.active > 0 || this.queued.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.firstFailure) throw this.firstFailure.error;
  }

  get failure(): { error: unknown } | undefined {
    return this.firstFailure;
  }
}
