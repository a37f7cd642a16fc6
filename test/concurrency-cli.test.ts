// Adaptive request concurrency as a user sees it: the built CLI against the simulator with a load
// limit (simulator/limits.ts), judged by what the simulator recorded.
import { performance } from 'node:perf_hooks';
import t from 'tap';
import { QueueingServer, RateLimit } from '../src/simulator/limits.js';
import type { RoktSimulator } from '../src/simulator/server.js';
import { jsonl, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator } from './helpers/sim.js';

const events = (count: number) => Array.from({ length: count }, (_, index) => record('orders', { clientEventId: `e${index}`, eventType: 'conversion' }));
const catalog = { streams: [configuredStream('orders', 'event')] };

async function write(sim: RoktSimulator, overrides: Record<string, unknown>, input: unknown[]) {
  const dir = tempDir();
  const config = simConfig(sim, ['v2'], { batch_size: 1, retry_base_delay_ms: 1000, ...overrides });
  const result = await runCli(['write', '--config', writeJson(dir, 'config.json', config), '--catalog', writeJson(dir, 'catalog.json', catalog)], jsonl(input));
  const messages = assertAirbyteMessages(t, result.stdout);
  const logs = ofType(messages, 'LOG').map((message) => String(message.log.message));
  const summaryLine = logs.find((line) => line.startsWith('Sync summary')) ?? '';
  const summary = JSON.parse(/(\{.*\})$/.exec(summaryLine)?.[1] ?? '{}') as Record<string, any>;
  return { result, messages, logs, summaryLine, summary };
}

t.test('a Retry-After pauses every request to that API, not only the refused one; nothing is lost', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 20 });
  const limit = new RateLimit(20, performance.now());
  sim.setLoadLimit(limit);
  const { result, messages, summary } = await write(sim, {}, [...events(60), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  t.equal(ofType(messages, 'STATE').length, 1);
  t.equal(sim.acceptedEvents.length, 60, 'every event delivered');
  t.ok(limit.log.refusedAt.length > 0, 'Rokt refused some requests with Retry-After');
  const arrivals = [...limit.log.served.map((request) => request.arrivedAt), ...limit.log.refusedAt].sort((a, b) => a - b);
  for (const refusedAt of new Set(limit.log.refusedAt.map(Math.round))) {
    // Requests already on their way when the refusal was answered may still arrive just after it.
    // (300 ms: on a loaded 2-core machine a request sent just before the refusal can take that long to arrive.)
    const during = arrivals.filter((at) => at > refusedAt + 300 && at < refusedAt + 950);
    t.same(during, [], `no request arrived in the second after the refusal at ${refusedAt.toFixed(0)} ms`);
  }
  t.ok(summary.concurrency?.throttled_requests > 0, 'the summary counts throttled requests');
  t.ok(summary.concurrency?.paused_seconds >= 1, 'and the time paused by Retry-After');
});

t.test('adaptive (default): starts at 4 and grows while the API keeps up; fixed: exactly `concurrency` in flight', async (t) => {
  const sim = await startSimulator(t);
  const server = new QueueingServer(1000, 30);
  sim.setLoadLimit(server);
  const adaptive = await write(sim, { concurrency: 12 }, [...events(300), globalState(1)]);
  t.equal(adaptive.result.code, 0, adaptive.result.stderr);
  const inFlightAt = (at: number) => server.log.served.filter((request) => request.arrivedAt <= at && request.finishedAt > at).length;
  const first = server.log.served[0]?.arrivedAt ?? 0;
  t.ok(inFlightAt(first + 5) <= 4, 'at most 4 in the first round trip');
  t.equal(Math.max(...server.log.served.map((request) => inFlightAt(request.arrivedAt))), 12, 'then up to the ceiling');
  t.match(adaptive.summary.concurrency, { mode: 'adaptive', ceiling: 12, peak_in_flight: 12, throttled_requests: 0 });

  const fixedServer = new QueueingServer(1000, 30);
  sim.setLoadLimit(fixedServer);
  const fixed = await write(sim, { concurrency: 6, concurrency_mode: 'fixed' }, [...events(120), globalState(2)]);
  t.equal(fixed.result.code, 0, fixed.result.stderr);
  const fixedInFlight = (at: number) => fixedServer.log.served.filter((request) => request.arrivedAt <= at && request.finishedAt > at).length;
  t.equal(Math.max(...fixedServer.log.served.map((request) => fixedInFlight(request.arrivedAt))), 6, 'fixed: 6 at most, and 6 reached');
  t.match(fixed.summary.concurrency, { mode: 'fixed', ceiling: 6, current: 6 });
});

t.test('progress lines and the summary show the current and average concurrency, throttled requests and time waiting on Rokt', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 20 });
  sim.setLoadLimit(new RateLimit(15, performance.now()));
  const { result, logs, summaryLine, summary } = await write(sim, { progress_interval_seconds: 1 }, [...events(45), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  const progress = logs.filter((line) => line.startsWith('Progress:'));
  t.ok(progress.length >= 1, 'a progress line within the run');
  t.match(progress[0], /concurrency \d+ now, [\d.]+ on average \(adaptive, ceiling 32\), \d+ throttled, [\d.]+ s waiting on Rokt/);
  t.match(summaryLine, /concurrency \d+ now, [\d.]+ on average \(adaptive, ceiling 32\), \d+ throttled, [\d.]+ s waiting on Rokt/);
  t.match(summary.concurrency, { mode: 'adaptive', ceiling: 32 });
  t.ok(summary.concurrency.waiting_seconds > 0, 'time spent waiting on Rokt');
  t.ok(summary.concurrency.families['Event API'], 'figures per API family');
});
