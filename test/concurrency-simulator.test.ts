// The simulator's load limits (simulator/limits.ts): pure on a given clock, and registered on the
// running simulator, where refusals go out at once and admitted answers carry the limit's delay.
import { performance } from 'node:perf_hooks';
import t from 'tap';
import { ConcurrencyLimit, QueueingServer, RateLimit } from '../src/simulator/limits.js';
import { startSimulator } from './helpers/sim.js';

const data = (seq: number) => ({ seq, path: '/v2/events' });

t.test('rate limit: starts empty, refills at the rate, Retry-After in whole seconds, the share used on admitted answers', async (t) => {
  const limit = new RateLimit(10, 0, { reportUsage: true });
  const early = limit.admit(data(1), 50);
  t.match(early, { kind: 'refuse', status: 429, headers: { 'retry-after': '1' } }, 'no free burst: empty at the start');
  const admitted = limit.admit(data(2), 200);
  t.match(admitted, { kind: 'admit', delayMs: 0, headers: { 'x-mp-rate-limit-percentage-used': '10' } }, 'one request in the last second, of 10 allowed');
  t.equal(limit.admit({ seq: 3, path: '/auth/oauth2/token' }, 200), undefined, 'not a data request: not limited');
  t.equal(limit.admit(data(4), 1_500)?.kind, 'admit');
  limit.setRate(1, 1_500);
  t.equal(limit.admit(data(5), 1_600)?.kind, 'admit', 'the bucket shrank to the new rate, one token');
  t.match(limit.admit(data(6), 1_700), { kind: 'refuse', headers: { 'retry-after': '1' } });
  t.same(limit.log.refusedAt, [50, 1_700]);
  limit.finished(2, 260);
  t.match(limit.log.summary(), { admitted: 1, refused: 2, meanLatencyMs: 60 }, 'only finished requests count as served');
});

t.test('cap on requests at once: refuses beyond it, without Retry-After, until one finishes', async (t) => {
  const limit = new ConcurrencyLimit(2);
  t.equal(limit.admit(data(1), 0)?.kind, 'admit');
  t.equal(limit.admit(data(2), 0)?.kind, 'admit');
  const refused = limit.admit(data(3), 1);
  t.match(refused, { kind: 'refuse', status: 429 });
  t.same(refused?.kind === 'refuse' ? refused.headers : undefined, {}, 'no Retry-After');
  limit.finished(3, 2); // a refusal finishing frees nothing
  t.equal(limit.admit(data(4), 3)?.kind, 'refuse');
  limit.finished(1, 50);
  t.equal(limit.admit(data(5), 51)?.kind, 'admit');
});

t.test('queueing server: the workers serve in arrival order; the others wait', async (t) => {
  const limit = new QueueingServer(2, 100);
  t.match(limit.admit(data(1), 0), { kind: 'admit', delayMs: 100 });
  t.match(limit.admit(data(2), 0), { kind: 'admit', delayMs: 100 });
  t.match(limit.admit(data(3), 10), { kind: 'admit', delayMs: 190 }, 'waits 90 ms for a worker');
  limit.setWorkers(1);
  t.match(limit.admit(data(4), 100), { kind: 'admit', delayMs: 100 }, 'the worker left is the one free first');
  t.match(limit.admit(data(5), 100), { kind: 'admit', delayMs: 200 }, 'then it serves one at a time');
  for (const [seq, at] of [[1, 100], [2, 100], [3, 200], [4, 200], [5, 300]] as const) limit.finished(seq, at);
  t.match(limit.log.summary(), { admitted: 5, refused: 0, meanServiceMs: 100, p90LatencyMs: 200 });
});

t.test('registered on the simulator: a refusal goes out at once, whatever the latency; admitted answers wait their turn', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 300 });
  const c = sim.credentials;
  const post = async () => {
    const startedAt = performance.now();
    const response = await fetch(`${sim.url}/v2/events`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${c.publicKey}:${c.secretKey}`).toString('base64')}`, 'rokt-version': '2020-05-21', 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: c.accountId, events: [{ clientEventId: `e${Math.random()}`, eventType: 'conversion', eventTime: new Date().toISOString(), objectData: [] }] }),
    });
    await response.text();
    return { status: response.status, ms: performance.now() - startedAt, retryAfter: response.headers.get('retry-after') };
  };
  sim.setLoadLimit(new ConcurrencyLimit(1));
  const [first, second] = await Promise.all([post(), post()]);
  const [admitted, refused] = first?.status === 200 ? [first, second] : [second, first];
  t.equal(admitted?.status, 200);
  t.ok((admitted?.ms ?? 0) >= 290, 'the admitted one took the latency');
  t.equal(refused?.status, 429);
  t.ok((refused?.ms ?? Infinity) < 200, `the refusal came at once (${refused?.ms.toFixed(0)} ms)`);
  t.equal(refused?.retryAfter, null);
  const queue = new QueueingServer(1, 100);
  sim.setLoadLimit(queue);
  const queued = await Promise.all([post(), post()]);
  const slowest = Math.max(...queued.map((answer) => answer.ms));
  t.ok(slowest >= 490, `the second waited for the first: latency + two services (${slowest.toFixed(0)} ms)`);
  t.equal(queue.log.served.length, 2, 'the server recorded both');
  sim.setLoadLimit(undefined);
  t.equal((await post()).status, 200, 'removed');
});
