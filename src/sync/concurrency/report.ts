/**
 * The concurrency figures as people read them: a clause for progress lines and the summary
 * sentence, and the JSON of the end-of-run summary.
 */
import type { PoolStats } from '../request-pool.js';

const seconds = (ms: number): number => Math.round(ms / 100) / 10;
const oneDecimal = (value: number): number => Math.round(value * 10) / 10;

/** "concurrency 12 now, 9.4 on average (adaptive, ceiling 32), 3 throttled, 4.2 s waiting on Rokt" */
export function describeConcurrency(stats: PoolStats): string {
  const paused = stats.pausedMs > 0 ? ` (${seconds(stats.pausedMs)} s paused by Retry-After)` : '';
  return (
    `concurrency ${stats.limit} now, ${oneDecimal(stats.averageInFlight)} on average (${stats.mode}, ceiling ${stats.ceiling}), ` +
    `${stats.throttled} throttled, ${seconds(stats.waitingMs)} s waiting on Rokt${paused}`
  );
}

/** The `concurrency` object of the end-of-run summary JSON. */
export function concurrencySummary(stats: PoolStats): Record<string, unknown> {
  return {
    mode: stats.mode,
    ceiling: stats.ceiling,
    current: stats.limit,
    average_in_flight: oneDecimal(stats.averageInFlight),
    peak_in_flight: stats.peakInFlight,
    throttled_requests: stats.throttled,
    timeouts: stats.timeouts,
    waiting_seconds: seconds(stats.waitingMs),
    paused_seconds: seconds(stats.pausedMs),
    // fromEntries: a family is a plain key whatever its name.
    families: Object.fromEntries(
      stats.families.map((family) => [
        family.family,
        {
          current: family.limit,
          average_in_flight: oneDecimal(family.averageInFlight),
          peak_in_flight: family.peakInFlight,
          requests: family.requests,
          throttled_requests: family.throttled,
          timeouts: family.timeouts,
          waiting_seconds: seconds(family.waitingMs),
          paused_seconds: seconds(family.pausedMs),
          ...(family.paceRequestsPerSecond !== undefined ? { pace_requests_per_second: oneDecimal(family.paceRequestsPerSecond) } : {}),
          ...(family.revealedCap !== undefined ? { revealed_cap: family.revealedCap } : {}),
        },
      ]),
    ),
  };
}
