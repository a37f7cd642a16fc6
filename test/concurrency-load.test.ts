// The adaptive concurrency end to end in-process: the real pool, gate, controller and delivery loop
// against modeled APIs (simulator/limits.ts) on a fake clock, judged by what the modeled server
// itself recorded. Seconds of traffic run in a fraction of a second, deterministically.
import t from 'tap';
import { ConcurrencyLimit, QueueingServer, RateLimit } from '../src/simulator/limits.js';
import { runLoad } from './helpers/load-harness.js';

const ADAPTIVE = { mode: 'adaptive', ceiling: 32 } as const;
const throttledShare = (summary: { admitted: number; refused: number }) => summary.refused / (summary.admitted + summary.refused);

t.test('rate limit with Retry-After: at least 90% of the allowed rate, at most 5% of requests throttled, nothing lost', async (t) => {
  // The bucket starts empty 400 ms before the first request (a connector starting up): no free burst.
  const limit = new RateLimit(50, -400);
  const result = await runLoad({ limit, latencyMs: 50, settings: ADAPTIVE, batches: 50 * 20 });
  t.same(result.failed, []);
  t.equal(result.delivered, 1000, 'every batch delivered');
  t.ok(result.server.admittedPerSecond >= 0.9 * 50, `${result.server.admittedPerSecond.toFixed(1)} of 50 requests/s`);
  t.ok(throttledShare(result.server) <= 0.05, `${(throttledShare(result.server) * 100).toFixed(1)}% throttled`);
  t.ok(result.pool.families[0]?.paceRequestsPerSecond !== undefined, 'the family is paced');
});

t.test('X-mp-rate-limit-percentage-used: the connector slows down before a 429, and keeps the rate', async (t) => {
  const refusals: number[] = [];
  for (const reportUsage of [false, true]) {
    const limit = new RateLimit(50, -400, { reportUsage });
    const result = await runLoad({ limit, latencyMs: 50, settings: ADAPTIVE, batches: 1000 });
    t.equal(result.delivered, 1000);
    t.ok(result.server.admittedPerSecond >= 0.9 * 50, `${reportUsage ? 'with' : 'without'} the header: ${result.server.admittedPerSecond.toFixed(1)} of 50 requests/s`);
    refusals.push(result.server.refused);
  }
  t.ok((refusals[1] as number) < (refusals[0] as number), `fewer refusals with the header (${refusals[1]} vs ${refusals[0]})`);
});

t.test('Retry-After pauses the whole family: no request reaches the API until it has passed', async (t) => {
  const limit = new RateLimit(40, 0);
  const result = await runLoad({ limit, latencyMs: 20, settings: ADAPTIVE, batches: 300, networkMs: 1 });
  t.equal(result.delivered, 300);
  const arrivals = [...limit.log.served.map((request) => request.arrivedAt), ...limit.log.refusedAt].sort((a, b) => a - b);
  t.ok(limit.log.refusedAt.length > 0, 'the API refused some requests');
  for (const refusedAt of new Set(limit.log.refusedAt)) {
    // The refusal reaches the client 1 ms later; requests already on their way may still arrive.
    const during = arrivals.filter((at) => at > refusedAt + 2 && at < refusedAt + 1000);
    t.same(during, [], `nothing arrived within the second after the refusal at ${refusedAt} ms`);
  }
});

t.test('cap on requests at once (429 at once, no Retry-After): at least 85% of C / served time, at most 5% throttled', async (t) => {
  const limit = new ConcurrencyLimit(12);
  const result = await runLoad({ limit, latencyMs: 200, settings: ADAPTIVE, batches: 60 * 15 });
  t.equal(result.delivered, 900);
  const ideal = (12 * 1000) / result.server.meanLatencyMs;
  t.ok(result.server.admittedPerSecond >= 0.85 * ideal, `${result.server.admittedPerSecond.toFixed(1)} of ${ideal.toFixed(1)} requests/s`);
  t.ok(throttledShare(result.server) <= 0.05, `${(throttledShare(result.server) * 100).toFixed(1)}% throttled`);
  t.equal(result.pool.families[0]?.revealedCap, 12, 'the cap found');
});

t.test('latency rising with load (a queue): at least 85% of capacity, p90 latency at most twice the unloaded one', async (t) => {
  const limit = new QueueingServer(6, 120);
  const result = await runLoad({ limit, latencyMs: 0, settings: ADAPTIVE, batches: 50 * 15 });
  t.equal(result.delivered, 750);
  const capacity = (6 * 1000) / result.server.meanServiceMs;
  t.ok(result.server.admittedPerSecond >= 0.85 * capacity, `${result.server.admittedPerSecond.toFixed(1)} of ${capacity.toFixed(1)} requests/s`);
  t.ok(result.server.p90LatencyMs <= 2 * 120, `p90 ${result.server.p90LatencyMs.toFixed(0)} ms (unloaded 120 ms)`);
  t.equal(result.server.refused, 0);
});

t.test('the allowed rate halves, then recovers: settled within 10 s each way, nothing lost', async (t) => {
  const limit = new RateLimit(40, -400);
  const changes: number[] = [];
  const result = await runLoad({
    limit,
    latencyMs: 50,
    settings: ADAPTIVE,
    batches: 40 * 15 + 20 * 15 + 40 * 15,
    onAnswer: (now) => {
      if (changes.length === 0 && now >= 15_000) limit.setRate(20, now);
      else if (changes.length === 1 && now >= 30_000) limit.setRate(40, now);
      else return;
      changes.push(now);
    },
  });
  t.same(result.failed, []);
  t.equal(result.delivered, 1500, 'every batch delivered');
  const [halvedAt = 0, restoredAt = 0] = changes;
  const down = limit.log.settledAfter(halvedAt, 20, restoredAt);
  const up = limit.log.settledAfter(restoredAt, 40, result.endedAtMs);
  t.ok(down !== undefined && down <= 10_000, `settled ${down} ms after the halving`);
  t.ok(up !== undefined && up <= 10_000, `settled ${up} ms after the recovery`);
});

t.test('no limit: the ceiling within a few round trips', async (t) => {
  const limit = new QueueingServer(1000, 50);
  const result = await runLoad({ limit, latencyMs: 0, settings: ADAPTIVE, batches: 2000 });
  const [family] = result.pool.families;
  t.equal(family?.limit, 32);
  t.equal(family?.peakInFlight, 32);
  const first = limit.log.served.filter((request) => request.arrivedAt < 300).length;
  t.ok(first >= 4 + 8 + 16 + 32, `4, 8, 16, 32 requests in the first round trips (${first} in 300 ms)`);
});

t.test('fixed mode: always the ceiling, whatever the latency', async (t) => {
  const limit = new QueueingServer(2, 50);
  const result = await runLoad({ limit, latencyMs: 0, settings: { mode: 'fixed', ceiling: 8 }, batches: 200 });
  t.equal(result.delivered, 200);
  t.equal(result.pool.families[0]?.peakInFlight, 8);
  t.ok(result.pool.averageInFlight > 7.5, `8 in flight nearly all the time (${result.pool.averageInFlight.toFixed(2)})`);
  t.ok(result.server.p90LatencyMs > 150, 'the queue it builds is not its concern');
});
