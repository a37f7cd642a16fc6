// The gate (when each request of an API family may go) and the pool's families, on a fake clock.
import t from 'tap';
import type { ApiResponse } from '../src/rokt/http.js';
import { NetworkError } from '../src/rokt/http.js';
import { ConcurrencyController } from '../src/sync/concurrency/controller.js';
import { RequestGate } from '../src/sync/concurrency/gate.js';
import { RequestPool } from '../src/sync/request-pool.js';
import { FakeClock } from './helpers/fake-clock.js';

const ok: ApiResponse = { status: 202, headers: {}, body: '' };
const throttled = (retryAfterSeconds?: number): ApiResponse => ({ status: 429, headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }, body: '' });

function gate(clock: FakeClock, mode: 'adaptive' | 'fixed', ceiling: number): RequestGate {
  return new RequestGate('events', new ConcurrencyController({ settings: { mode, ceiling }, now: clock.now(), loopBusy: () => 0 }), clock);
}

/** A request answered `ms` later with `response`, recording when it was sent. */
function answeredAfter(clock: FakeClock, ms: number, response: ApiResponse, sent: number[]): () => Promise<ApiResponse> {
  return () => {
    sent.push(clock.now());
    return new Promise((resolve) => clock.after(ms, () => resolve(response)));
  };
}

t.test('a full gate queues requests; retries go before first attempts', async (t) => {
  const clock = new FakeClock();
  const events = gate(clock, 'fixed', 1);
  const order: string[] = [];
  const send = (name: string) => () => {
    order.push(name);
    return new Promise<ApiResponse>((resolve) => clock.after(10, () => resolve(ok)));
  };
  const all = Promise.all([
    events.send(send('first'), { retry: false }),
    events.send(send('second'), { retry: false }),
    events.send(send('a retry'), { retry: true }),
  ]);
  await clock.runUntilSettled(all);
  t.same(order, ['first', 'a retry', 'second']);
  t.equal(events.stats().waitingMs, 20, 'requests waited for 20 ms in all');
});

t.test('a Retry-After holds every request of the family back until it has passed', async (t) => {
  const clock = new FakeClock();
  const events = gate(clock, 'fixed', 4);
  const sent: number[] = [];
  await clock.runUntilSettled(events.send(answeredAfter(clock, 5, throttled(2), sent), { retry: false }));
  const later = Promise.all([1, 2, 3].map(() => events.send(answeredAfter(clock, 5, ok, sent), { retry: false })));
  await clock.runUntilSettled(later);
  t.same(sent, [0, 2005, 2005, 2005], 'the others went only when the 2 s had passed');
  t.equal(events.stats().pausedMs, 2000);
});

t.test('a request that fails without an answer frees its slot; the error reaches the caller', async (t) => {
  const clock = new FakeClock();
  const events = gate(clock, 'fixed', 1);
  const failing = () => Promise.reject(new NetworkError('POST /v2/events got no answer: ECONNRESET', 'ECONNRESET'));
  await t.rejects(clock.runUntilSettled(events.send(failing, { retry: false })), /ECONNRESET/);
  const sent: number[] = [];
  await clock.runUntilSettled(events.send(answeredAfter(clock, 5, ok, sent), { retry: false }));
  t.same(sent, [0], 'the slot was free again');
  t.equal(events.pending.inFlight, 0);
});

t.test('retry waits: in round trips after a refusal without Retry-After (adaptive), the policy otherwise', async (t) => {
  const clock = new FakeClock();
  const adaptive = gate(clock, 'adaptive', 8);
  const fixed = gate(clock, 'fixed', 8);
  const policy = { maxRetries: 6, maxElapsedMs: 300_000, baseDelayMs: 1000, maxDelayMs: 30_000, random: () => 1 };
  const sent: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    await clock.runUntilSettled(Promise.all([1, 2, 3, 4].map(() => adaptive.send(answeredAfter(clock, 40, ok, sent), { retry: false }))));
  }
  t.equal(adaptive.retryDelayMs({ retry: 0, status: 429, policy }), 40, 'one round trip');
  t.equal(adaptive.retryDelayMs({ retry: 2, status: 429, policy }), 160, 'doubling per retry');
  t.equal(adaptive.retryDelayMs({ retry: 0, status: 429, retryAfter: 3000, policy }), 3000, 'Retry-After wins');
  t.equal(adaptive.retryDelayMs({ retry: 0, status: 500, policy }), 1000, 'errors keep the backoff policy');
  t.equal(adaptive.retryDelayMs({ retry: 0, status: 503, policy }), 1000, 'so does an unavailable API');
  t.equal(fixed.retryDelayMs({ retry: 0, status: 429, policy }), 1000, 'fixed mode keeps the backoff policy');
});

t.test('the pool: one gate per family, each with its own pause; figures added up', async (t) => {
  const clock = new FakeClock();
  const pool = new RequestPool({ mode: 'adaptive', ceiling: 16 }, () => {}, 1, { clock, loopMeter: () => () => 0 });
  t.equal(pool.gate('Event API'), pool.gate('Event API'), 'the same gate for the same family');
  const events = pool.gate('Event API');
  const audiences = pool.gate('Audience API');
  const sent: number[] = [];
  await clock.runUntilSettled(events.send(answeredAfter(clock, 5, throttled(1), sent), { retry: false }));
  const audienceSent: number[] = [];
  await clock.runUntilSettled(audiences.send(answeredAfter(clock, 5, ok, audienceSent), { retry: false }));
  t.same(audienceSent, [5], 'another family is not paused');
  const stats = pool.stats();
  t.equal(stats.throttled, 1);
  t.equal(stats.requests, 2);
  t.equal(stats.families.length, 2);
  t.equal(stats.mode, 'adaptive');
  t.equal(stats.ceiling, 16);
  t.equal(stats.pausedMs, 1000);
});

t.test('the pool runs at most `ceiling` tasks; a number means fixed', async (t) => {
  const clock = new FakeClock();
  const pool = new RequestPool(3, () => {}, 1, { clock, loopMeter: () => () => 0 });
  t.same(pool.settings, { mode: 'fixed', ceiling: 3 });
  let running = 0;
  let peak = 0;
  const task = () => {
    running += 1;
    peak = Math.max(peak, running);
    return clock.sleep(10).then(() => void (running -= 1));
  };
  const offered = (async () => {
    for (let index = 0; index < 10; index += 1) await pool.start(task);
    await pool.drain();
  })();
  await clock.runUntilSettled(offered);
  t.equal(peak, 3);
});

t.test('adaptive: the pool starts only the deliveries its families can use (their limit, one spare), not the ceiling', async (t) => {
  const clock = new FakeClock();
  const pool = new RequestPool({ mode: 'adaptive', ceiling: 32 }, () => {}, 1, { clock, loopMeter: () => () => 0 });
  const events = pool.gate('Event API');
  let running = 0;
  let peakBeforeAnswers = 0;
  const task = async () => {
    running += 1;
    if (clock.now() < 10_000) peakBeforeAnswers = Math.max(peakBeforeAnswers, running);
    // A slow API: the first answers come after 10 s; until then the limit is the initial 4.
    await events.send(() => new Promise((resolve) => clock.after(10_000, () => resolve(ok))), { retry: false });
    running -= 1;
  };
  const offered = (async () => {
    for (let index = 0; index < 12; index += 1) await pool.start(task);
    await pool.drain();
  })();
  await clock.runUntilSettled(offered);
  t.equal(peakBeforeAnswers, 5, '4 sending and one ready: no batch built only to wait at the gate');
});
