import type { ApiResponse } from '../../src/rokt/http.js';
import { seededRandom } from '../../src/simulator/seeded-random.js';
import type { LoadLimit, LoadSummary } from '../../src/simulator/limits.js';
import type { ConcurrencySettings } from '../../src/sync/concurrency/controller.js';
import { deliver, type DeliveryContext, type DeliveryTarget } from '../../src/sync/deliver.js';
import { RequestPool, type PoolStats } from '../../src/sync/request-pool.js';
import { FakeClock } from './fake-clock.js';

export interface LoadRun {
  /** The modeled API: its limit decides refusals and extra delay, and records what it served. */
  limit: LoadLimit;
  /** The API's own answer time for an admitted request (ms). */
  latencyMs: number;
  settings: ConcurrencySettings;
  /** Batches offered, as fast as the pool takes them (an input that never waits). */
  batches: number;
  /** Network time each way (ms). */
  networkMs?: number;
  /** Called with the clock's time at each answer, e.g. to change the limit mid-run. */
  onAnswer?: (nowMs: number) => void;
  seed?: number;
  maxRetries?: number;
}

export interface LoadResult {
  delivered: number;
  failed: unknown[];
  server: LoadSummary;
  pool: PoolStats;
  endedAtMs: number;
  /** Requests sent (first attempts and retries). */
  requests: number;
  /** In-flight count seen by the server over time: [time, in flight]. */
  clock: FakeClock;
}

/**
 * The real pool, gate, controller and delivery loop against a modeled API on a fake clock: seconds
 * of traffic run in milliseconds, deterministically, with nothing of ours replaced.
 */
export async function runLoad(run: LoadRun): Promise<LoadResult> {
  const clock = new FakeClock();
  const networkMs = run.networkMs ?? 1;
  const failed: unknown[] = [];
  const pool = new RequestPool(run.settings, (error) => failed.push(error), 1, { clock, loopMeter: () => () => 0 });
  const gate = pool.gate('modeled API');
  let seq = 0;
  let requests = 0;
  const answer = (response: ApiResponse): Promise<ApiResponse> => new Promise((resolve) => clock.after(networkMs, () => resolve(response)));
  const send = (): Promise<ApiResponse> =>
    new Promise<void>((arrived) => clock.after(networkMs, arrived)).then(() => {
      requests += 1;
      const request = { seq: (seq += 1), path: '/v2/events' };
      const admission = run.limit.admit(request, clock.now());
      if (admission?.kind === 'refuse') {
        run.limit.finished(request.seq, clock.now());
        return answer({ status: admission.status, headers: admission.headers, body: JSON.stringify(admission.body) });
      }
      return new Promise<ApiResponse>((resolve) =>
        clock.after(run.latencyMs + (admission?.delayMs ?? 0), () => {
          run.limit.finished(request.seq, clock.now());
          run.onAnswer?.(clock.now());
          resolve(answer({ status: 202, headers: admission?.headers ?? {}, body: '' }));
        }),
      );
    });
  const target: DeliveryTarget<number> = { name: 'modeled request', conflictMeansDelivered: false, send };
  const random = seededRandom(run.seed ?? 7);
  const context: DeliveryContext = {
    policy: { maxRetries: run.maxRetries ?? 6, maxElapsedMs: 300_000, baseDelayMs: 1000, maxDelayMs: 30_000, random },
    sleep: (ms) => clock.sleep(ms),
    now: () => clock.now(),
    counters: { requests: 0, retries: 0, splits: 0 },
    gate,
  };
  let delivered = 0;
  const offer = async () => {
    for (let batch = 0; batch < run.batches && failed.length === 0; batch += 1) {
      await pool.start(async () => {
        const result = await deliver([batch], target, context);
        delivered += result.accepted.length;
      });
    }
    await pool.drain().catch(() => undefined);
  };
  await clock.runUntilSettled(offer());
  return { delivered, failed, server: run.limit.log.summary(), pool: pool.stats(), endedAtMs: clock.now(), requests, clock };
}
