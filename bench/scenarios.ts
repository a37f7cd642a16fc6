// The adaptive-concurrency scenarios of `npm run bench`: the simulator with a load limit (a rate,
// requests at once, a queue, a rate that halves and recovers), each judged against what the
// simulated server really delivered — its own measurements of arrivals, service and answers,
// timer lateness included — rather than its nominal numbers.

import { ConcurrencyLimit, QueueingServer, RateLimit, type LoadLimit } from '../src/simulator/limits.js';

export type ScenarioId = 'rate' | 'slots' | 'queue' | 'shift';

export interface ScenarioPlan {
  id: ScenarioId;
  label: string;
  /** The simulator's own latency for an admitted request (ms). */
  latencyMs: number;
  /** Event rows: enough for `seconds` at the server's capacity. */
  rows: number;
  /** The limit, created when the simulator starts (a rate limit starts with an empty bucket). */
  limit: (nowMs: number) => LoadLimit;
  /** Started once the connector is spawned (e.g. capacity changes); returns a stop function. */
  during?: (limit: LoadLimit, now: () => number) => () => void;
  /** When the capacity changed (server clock, ms), filled in by `during`. */
  changes: number[];
}

export interface ScenarioVerdict {
  /** What the server delivered, in words. */
  server: string;
  /** What the connector got out of it, in words. */
  measured: string;
  targets: { name: string; goal: string; measured: string; pass: boolean }[];
  figures: Record<string, number>;
  /** Answers (and refusals, after a slash) per second from the first arrival: how it unfolded. */
  timeline: string;
}

const BATCH = 100;
/** Requests per second each scenario's server allows: well under the connector's CPU limit, so the API is the bottleneck. */
const RATE = 30;
const SLOTS = 12;
const SLOT_LATENCY_MS = 400;
const WORKERS = 6;
const SERVICE_MS = 200;
const SHIFT_RATE = 40;

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
const share = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

/** The four limited-server scenarios; `seconds` is the length of a steady phase at full capacity. */
export function scenarioPlans(seconds: number): ScenarioPlan[] {
  const rowsFor = (requestsPerSecond: number, phaseSeconds: number) => Math.round(requestsPerSecond * BATCH * phaseSeconds);
  const shiftChanges: number[] = [];
  return [
    {
      id: 'rate',
      label: `rate-limited: ${RATE} requests/s, 429 + Retry-After beyond`,
      latencyMs: 50,
      rows: rowsFor(RATE, seconds),
      limit: (now) => new RateLimit(RATE, now),
      changes: [],
    },
    {
      id: 'slots',
      label: `concurrency-limited: ${SLOTS} requests at once (${SLOT_LATENCY_MS} ms), 429 without Retry-After beyond`,
      latencyMs: SLOT_LATENCY_MS,
      rows: rowsFor((SLOTS * 1000) / SLOT_LATENCY_MS, seconds),
      limit: () => new ConcurrencyLimit(SLOTS),
      changes: [],
    },
    {
      id: 'queue',
      label: `queueing: ${WORKERS} workers × ${SERVICE_MS} ms, the rest wait in line`,
      latencyMs: 0,
      rows: rowsFor((WORKERS * 1000) / SERVICE_MS, seconds),
      limit: () => new QueueingServer(WORKERS, SERVICE_MS),
      changes: [],
    },
    {
      id: 'shift',
      label: `capacity shift: ${SHIFT_RATE} requests/s, halved for ${seconds} s, then back`,
      latencyMs: 50,
      // Three phases: full, half, full.
      rows: rowsFor(SHIFT_RATE, seconds) * 2 + rowsFor(SHIFT_RATE / 2, seconds),
      limit: (now) => new RateLimit(SHIFT_RATE, now),
      during: (limit, now) => shiftRate({ limit: limit as RateLimit, now, phaseMs: seconds * 1000, changes: shiftChanges }),
      changes: shiftChanges,
    },
  ];
}

/** Halves the rate `phaseMs` after the first request arrives, and restores it `phaseMs` later. */
function shiftRate(options: { limit: RateLimit; now: () => number; phaseMs: number; changes: number[] }): () => void {
  const { limit, now, phaseMs, changes } = options;
  const timer = setInterval(() => {
    const first = limit.log.firstArrivalMs;
    if (first === undefined) return;
    const elapsed = now() - first;
    if (changes.length === 0 && elapsed >= phaseMs) {
      limit.setRate(SHIFT_RATE / 2, now());
      changes.push(now());
    } else if (changes.length === 1 && elapsed >= 2 * phaseMs) {
      limit.setRate(SHIFT_RATE, now());
      changes.push(now());
    }
  }, 20);
  return () => clearInterval(timer);
}

export function judgeScenario(plan: ScenarioPlan, limit: LoadLimit): ScenarioVerdict {
  const verdict = judge(plan, limit);
  const { firstArrivalMs, lastAnswerMs } = limit.log.summary();
  const seconds: string[] = [];
  for (let from = firstArrivalMs; from < lastAnswerMs; from += 1000) {
    const { answered, refused } = limit.log.between(from, from + 1000);
    seconds.push(refused ? `${answered}/${refused}` : String(answered));
  }
  return { ...verdict, timeline: seconds.join(' ') };
}

function judge(plan: ScenarioPlan, limit: LoadLimit): Omit<ScenarioVerdict, 'timeline'> {
  const summary = limit.log.summary();
  const total = summary.admitted + summary.refused;
  const throttled = share(summary.refused, total);
  const throttleTarget = { name: `${plan.id}: throttled requests`, goal: '≤ 5%', measured: percent(throttled), pass: throttled <= 0.05 };
  const figures: Record<string, number> = { admitted: summary.admitted, refused: summary.refused, admittedPerSecond: summary.admittedPerSecond, throttledShare: throttled };
  switch (plan.id) {
    case 'rate': {
      const ratio = share(summary.admittedPerSecond, RATE);
      Object.assign(figures, { allowedPerSecond: RATE, ratio });
      return {
        server: `allowed ${RATE} requests/s`,
        measured: `${summary.admittedPerSecond.toFixed(1)} requests/s (${percent(ratio)}), ${percent(throttled)} throttled`,
        targets: [{ name: 'rate: throughput vs the allowed rate', goal: '≥ 90%', measured: percent(ratio), pass: ratio >= 0.9 }, throttleTarget],
        figures,
      };
    }
    case 'slots': {
      const ideal = (SLOTS * 1000) / summary.meanLatencyMs;
      const ratio = share(summary.admittedPerSecond, ideal);
      Object.assign(figures, { servedMs: summary.meanLatencyMs, idealPerSecond: ideal, ratio });
      return {
        server: `${SLOTS} at once, served in ${summary.meanLatencyMs.toFixed(1)} ms on average: ${(ideal * BATCH).toFixed(0)} rows/s`,
        measured: `${(summary.admittedPerSecond * BATCH).toFixed(0)} rows/s (${percent(ratio)}), ${percent(throttled)} throttled`,
        targets: [{ name: 'slots: throughput vs C × batch / served time', goal: '≥ 85%', measured: percent(ratio), pass: ratio >= 0.85 }, throttleTarget],
        figures,
      };
    }
    case 'queue': {
      const capacity = (WORKERS * 1000) / summary.meanServiceMs;
      const ratio = share(summary.admittedPerSecond, capacity);
      const unloadedP90 = percentile(limit.log.served.map((request) => request.finishedAt - request.startedAt), 0.9);
      const latencyRatio = share(summary.p90LatencyMs, unloadedP90);
      Object.assign(figures, { serviceMs: summary.meanServiceMs, capacityPerSecond: capacity, ratio, p90LatencyMs: summary.p90LatencyMs, unloadedP90Ms: unloadedP90, latencyRatio });
      return {
        server: `capacity ${(capacity * BATCH).toFixed(0)} rows/s (service ${summary.meanServiceMs.toFixed(1)} ms), unloaded p90 ${unloadedP90.toFixed(0)} ms`,
        measured: `${(summary.admittedPerSecond * BATCH).toFixed(0)} rows/s (${percent(ratio)}), p90 latency ${summary.p90LatencyMs.toFixed(0)} ms (${latencyRatio.toFixed(2)}×)`,
        targets: [
          { name: 'queue: throughput vs capacity', goal: '≥ 85%', measured: percent(ratio), pass: ratio >= 0.85 },
          { name: 'queue: p90 latency vs unloaded', goal: '≤ 2×', measured: `${latencyRatio.toFixed(2)}×`, pass: latencyRatio <= 2 },
        ],
        figures,
      };
    }
    case 'shift': {
      const [halvedAt, restoredAt] = plan.changes;
      const down = halvedAt === undefined ? undefined : limit.log.settledAfter(halvedAt, SHIFT_RATE / 2, restoredAt ?? summary.lastAnswerMs);
      const up = restoredAt === undefined ? undefined : limit.log.settledAfter(restoredAt, SHIFT_RATE, summary.lastAnswerMs);
      const seconds = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);
      if (down !== undefined) figures.adaptDownMs = down;
      if (up !== undefined) figures.adaptUpMs = up;
      return {
        server: `${SHIFT_RATE} → ${SHIFT_RATE / 2} → ${SHIFT_RATE} requests/s`,
        measured: `settled ${seconds(down)} after the halving and ${seconds(up)} after the recovery; ${percent(throttled)} throttled`,
        targets: [
          { name: 'shift: settled after halving', goal: '≤ 10 s', measured: seconds(down), pass: down !== undefined && down <= 10_000 },
          { name: 'shift: settled after recovery', goal: '≤ 10 s', measured: seconds(up), pass: up !== undefined && up <= 10_000 },
        ],
        figures,
      };
    }
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number) : 0;
}
