/**
 * Bounds the requests in flight. `start` waits for a free slot (which is what slows reading
 * stdin down to Rokt's pace) and returns once the task has started. The first task failure is
 * kept and reported through `onFailure`, so the pipeline can stop at once.
 */
export class RequestPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly running = new Set<Promise<void>>();
  private firstFailure: { error: unknown } | undefined;

  constructor(
    private readonly limit: number,
    private readonly onFailure: (error: unknown) => void = () => {},
  ) {}

  async start(task: () => Promise<void>): Promise<void> {
    while (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    const run: Promise<void> = task()
      .catch((error: unknown) => {
        if (this.firstFailure) return;
        this.firstFailure = { error };
        this.onFailure(error);
      })
      .finally(() => {
        this.active -= 1;
        this.running.delete(run);
        this.waiting.shift()?.();
      });
    this.running.add(run);
  }

  /** Waits for every started task; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
    if (this.firstFailure) throw this.firstFailure.error;
  }

  get failure(): { error: unknown } | undefined {
    return this.firstFailure;
  }

  get inFlight(): number {
    return this.active;
  }
}
