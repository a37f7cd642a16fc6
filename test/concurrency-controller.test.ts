import t from 'tap';
import { AcceptedRate } from '../src/sync/concurrency/accepted-rate.js';
import { ConcurrencyController, type ConcurrencySettings, type Ticket } from '../src/sync/concurrency/controller.js';
import { Pacer } from '../src/sync/concurrency/pacer.js';
import { RttWindows } from '../src/sync/concurrency/rtt-windows.js';
import type { Signal } from '../src/sync/concurrency/signal.js';

const ADAPTIVE: ConcurrencySettings = { mode: 'adaptive', ceiling: 32 };
const ANSWERED: Signal = { kind: 'answered' };

function controller(options: { settings?: ConcurrencySettings; loopBusy?: () => number } = {}): ConcurrencyController {
  return new ConcurrencyController({ settings: options.settings ?? ADAPTIVE, now: 0, loopBusy: options.loopBusy ?? (() => 0) });
}

/** Sends every request the controller allows at `now`. */
function sendAll(control: ConcurrencyController, now: number): Ticket[] {
  const tickets: Ticket[] = [];
  while (control.readyAt(now) <= now) tickets.push(control.send(now));
  return tickets;
}

/** One round trip: send what is allowed at `now`, answer all of it `rttMs` later. Returns how many went. */
function roundTrip(control: ConcurrencyController, now: number, rttMs: number, signal: Signal = ANSWERED): number {
  const tickets = sendAll(control, now);
  for (const ticket of tickets) control.settle(ticket, signal, now + rttMs);
  return tickets.length;
}

t.test('slow start: 4 requests, then double per round trip while RTTs stay at the baseline, up to the ceiling', async (t) => {
  const control = controller();
  const sent: number[] = [];
  for (let round = 0; round < 6; round += 1) sent.push(roundTrip(control, round * 50, 50));
  t.same(sent, [4, 8, 16, 32, 32, 32]);
  t.equal(control.limit, 32, 'the ceiling holds');
});

t.test('slow start ends on a 15% RTT rise, back at the last level that ran at the baseline; then +1 per window', async (t) => {
  const control = controller();
  roundTrip(control, 0, 50);
  roundTrip(control, 50, 50);
  t.equal(control.limit, 16);
  roundTrip(control, 100, 60); // 20% slower at 16
  t.equal(control.limit, 8, 'halved back');
  roundTrip(control, 200, 50);
  t.equal(control.limit, 9, 'additive growth from here');
  roundTrip(control, 300, 50);
  t.equal(control.limit, 10);
});

t.test('a lasting RTT rise shrinks the limit, one slow window (a GC pause) does not', async (t) => {
  const control = controller({ settings: { mode: 'adaptive', ceiling: 10 } });
  let now = 0;
  const rounds = (count: number, rttMs: number) => {
    for (let round = 0; round < count; round += 1, now += rttMs) roundTrip(control, now, rttMs);
  };
  rounds(6, 50);
  t.equal(control.limit, 10);
  rounds(1, 100);
  rounds(4, 50);
  t.equal(control.limit, 10, 'a single slow window is forgiven');
  rounds(3, 100);
  t.ok(control.limit < 10 && control.limit >= 5, `two slow windows in a row cut it, as far as the queue they show (now ${control.limit})`);
});

t.test('a saturated event loop is the bottleneck and says nothing about the API: the limit holds', async (t) => {
  let busy = 0;
  const control = controller({ settings: { mode: 'adaptive', ceiling: 40 }, loopBusy: () => busy });
  let now = 0;
  for (let round = 0; round < 2; round += 1, now += 50) roundTrip(control, now, 50);
  const before = control.limit;
  busy = 0.97;
  for (let round = 0; round < 6; round += 1, now += 200) roundTrip(control, now, 200);
  t.equal(control.limit, before, 'neither cut by the slow RTTs nor grown');
  busy = 0.3;
  for (let round = 0; round < 2; round += 1, now += 50) roundTrip(control, now, 50);
  t.ok(control.limit > before, `growing again once the loop has room (${before} → ${control.limit})`);
});

t.test('refused at once at a level just reached: a cap on requests at once; hold it, re-probe rarely', async (t) => {
  const cap = 10;
  const control = controller();
  let now = 0;
  let refused = 0;
  // A server that takes `cap` requests at once and refuses the rest at once (1 ms), in time order.
  const serve = (at: number) => {
    const tickets = sendAll(control, at);
    for (const ticket of tickets.slice(cap)) {
      refused += 1;
      if (control.settle(ticket, { kind: 'throttled' }, at + 1).holdMs > 0) control.releaseHeld();
    }
    for (const ticket of tickets.slice(0, cap)) control.settle(ticket, ANSWERED, at + 50);
  };
  for (let round = 0; round < 6; round += 1, now += 50) serve(now);
  t.equal(control.limit, cap, 'holds the level that was in flight');
  t.equal(control.stats(now).revealedCap, cap);
  const refusedBefore = refused;
  for (; now < 2_500; now += 50) serve(now);
  t.equal(refused - refusedBefore, 1, 'one probe above the cap after about 2 s');
  const afterFirstProbe = refused;
  for (; now < 6_500; now += 50) serve(now);
  t.equal(refused - afterFirstProbe, 1, 'the next probe waits twice as long (4 s)');
  t.equal(control.limit, cap);
});

t.test('a cap that was lifted: a clean probe forgets it and growth goes on', async (t) => {
  const control = controller();
  let now = 0;
  let cap = 6;
  const serve = (at: number) => {
    const tickets = sendAll(control, at);
    for (const ticket of tickets.slice(cap)) if (control.settle(ticket, { kind: 'throttled' }, at + 1).holdMs > 0) control.releaseHeld();
    for (const ticket of tickets.slice(0, cap)) control.settle(ticket, ANSWERED, at + 50);
  };
  for (; now < 500; now += 50) serve(now);
  t.equal(control.limit, 6);
  cap = 20;
  for (; now < 4_000; now += 50) serve(now);
  t.equal(control.stats(now).revealedCap, 20, 'the old cap was forgotten after a probe ran cleanly, and the new one found');
  t.equal(control.limit, 20);
});

t.test('refused at once at a level that ran cleanly for a while: a rate limit; paced at the rate accepted', async (t) => {
  const control = controller({ settings: { mode: 'adaptive', ceiling: 4 } });
  let now = 0;
  // 4 at once, 50 ms: 80 requests/s accepted for 2 s.
  for (; now < 2_000; now += 50) roundTrip(control, now, 50);
  const [refused, ...others] = sendAll(control, now);
  control.settle(refused as Ticket, { kind: 'throttled' }, now + 1);
  control.releaseHeld();
  for (const ticket of others) control.settle(ticket, ANSWERED, now + 50);
  const pace = control.stats(now).paceRequestsPerSecond;
  t.ok(pace !== undefined && pace > 70 && pace < 80, `a little under the accepted 80 requests/s (${pace})`);
  // Paced: requests are spaced (one may go early, to absorb timer lateness), not sent four at a time.
  now += 100;
  t.equal(sendAll(control, now).length, 2, 'not all four at once');
  t.ok(control.readyAt(now) > now, 'the next waits its turn in the pace');
});

t.test('Retry-After pauses every request of the family until it has passed', async (t) => {
  const control = controller();
  roundTrip(control, 0, 50);
  const [a, b] = sendAll(control, 50);
  control.settle(a as Ticket, { kind: 'throttled', retryAfterMs: 1000 }, 51);
  t.equal(control.readyAt(60), 1051, 'nobody sends before the pause ends');
  control.settle(b as Ticket, { kind: 'throttled', retryAfterMs: 2000 }, 52);
  t.equal(control.readyAt(60), 2052, 'a longer Retry-After extends the pause');
  t.equal(control.stats(60).pausedMs, 2001);
  t.ok(control.readyAt(2052) >= 2052);
});

t.test('fixed mode: always the ceiling, but Retry-After is honoured', async (t) => {
  const control = controller({ settings: { mode: 'fixed', ceiling: 8 } });
  t.equal(roundTrip(control, 0, 50), 8);
  t.equal(roundTrip(control, 50, 500), 8, 'slow answers change nothing');
  const tickets = sendAll(control, 600);
  t.equal(tickets.length, 8);
  control.settle(tickets[0] as Ticket, { kind: 'throttled' }, 601);
  t.equal(control.limit, 8, 'a refusal changes nothing');
  control.settle(tickets[1] as Ticket, { kind: 'throttled', retryAfterMs: 3000 }, 602);
  t.equal(control.readyAt(700), 3602, 'a Retry-After pauses the family');
});

t.test('a refusal answered slowly is noise: shrink a little, once per episode', async (t) => {
  const control = controller({ settings: { mode: 'adaptive', ceiling: 20 } });
  let now = 0;
  for (; now < 300; now += 50) roundTrip(control, now, 50);
  t.equal(control.limit, 20);
  const tickets = sendAll(control, now);
  for (const ticket of tickets.slice(0, 5)) control.settle(ticket, { kind: 'throttled' }, now + 50);
  t.equal(control.limit, 18, '×0.9 for the first; the others were sent before it and belong to the same episode');
  t.equal(control.stats(now).throttled, 5);
});

t.test('503 (overloaded): a multiplicative backoff, a pause with Retry-After, never a cap or a pace read into it', async (t) => {
  const control = controller({ settings: { mode: 'adaptive', ceiling: 20 } });
  let now = 0;
  for (; now < 300; now += 50) roundTrip(control, now, 50);
  const tickets = sendAll(control, now);
  control.settle(tickets[0] as Ticket, { kind: 'overloaded' }, now + 1);
  control.settle(tickets[1] as Ticket, { kind: 'overloaded', retryAfterMs: 500 }, now + 2);
  const stats = control.stats(now);
  t.equal(control.limit, 18, '×0.9 once for the episode');
  t.equal(stats.revealedCap, undefined);
  t.equal(stats.paceRequestsPerSecond, undefined);
  t.equal(control.readyAt(now + 10), now + 502, 'paused by its Retry-After');
});

t.test('timeouts shrink the limit', async (t) => {
  const control = controller({ settings: { mode: 'adaptive', ceiling: 20 } });
  let now = 0;
  for (; now < 300; now += 50) roundTrip(control, now, 50);
  const [ticket] = sendAll(control, now);
  control.settle(ticket as Ticket, { kind: 'timeout' }, now + 30_000);
  t.equal(control.limit, 18);
  t.equal(control.stats(now).timeouts, 1);
});

t.test('X-mp-rate-limit-percentage-used: 95% stops growth, 100% paces (and eases) before any 429', async (t) => {
  const control = controller();
  let now = 0;
  roundTrip(control, now, 50, { kind: 'answered', usedPercent: 96 });
  now += 50;
  roundTrip(control, now, 50, { kind: 'answered', usedPercent: 96 });
  t.equal(control.limit, 4, 'no growth while close to the limit');
  now += 50;
  roundTrip(control, now, 50, { kind: 'answered', usedPercent: 100 });
  const paced = control.stats(now).paceRequestsPerSecond;
  t.ok(paced !== undefined, 'paced at the rate accepted');
  t.equal(control.stats(now).throttled, 0, 'without a single refusal');
  now += 3_000;
  roundTrip(control, now, 50, { kind: 'answered', usedPercent: 100 });
  t.ok((control.stats(now).paceRequestsPerSecond ?? Infinity) < (paced ?? 0), 'still at the limit: the pace eases');
});

t.test('a slot refused at once stays occupied for about one round trip', async (t) => {
  const control = controller({ settings: { mode: 'adaptive', ceiling: 2 } });
  roundTrip(control, 0, 40);
  roundTrip(control, 40, 40);
  const [a] = sendAll(control, 80);
  const { holdMs } = control.settle(a as Ticket, { kind: 'throttled' }, 81);
  t.ok(holdMs >= 30 && holdMs <= 50, `held about one RTT (${holdMs} ms)`);
  t.equal(control.readyAt(90), Infinity, 'the held slot does not take a new request');
  control.releaseHeld();
  t.ok(control.readyAt(200) <= 200, 'free again once released');
});

t.test('statistics: average and peak in flight, requests', async (t) => {
  const control = controller({ settings: { mode: 'fixed', ceiling: 4 } });
  const tickets = sendAll(control, 0);
  for (const ticket of tickets) control.settle(ticket, ANSWERED, 100);
  const stats = control.stats(200);
  t.equal(stats.peakInFlight, 4);
  t.equal(stats.requests, 4);
  t.equal(stats.averageInFlight, 2, '4 in flight for half the time');
});

t.test('pacer: holds a cut rate, then probes slowly, faster the longer no refusal comes; only while it binds', async (t) => {
  const pacer = new Pacer(10, 0);
  const rateAfter = (until: number, from: number) => {
    for (let now = from; now <= until; now += 10) {
      if (pacer.readyAt(now) <= now) pacer.sent(now);
    }
    return pacer.requestsPerSecond;
  };
  t.equal(rateAfter(1_900, 0), 10, 'held');
  const early = rateAfter(4_000, 1_910);
  t.ok(early > 10 && early < 10.6, `slow growth first (${early})`);
  const later = rateAfter(12_000, 4_010);
  t.ok(later > 20, `faster later (${later})`);
  pacer.cut(12, 12_000);
  t.equal(pacer.requestsPerSecond, 12);
  const idle = new Pacer(10, 0);
  for (let now = 0; now < 10_000; now += 1000) if (idle.readyAt(now) <= now) idle.sent(now);
  t.equal(idle.requestsPerSecond, 10, 'no growth when the pace never made anyone wait');
});

t.test('RTT windows: the baseline is the lowest recent window, forgotten after the horizon', async (t) => {
  const windows = new RttWindows(0);
  const windowAt = (start: number, rtt: number) => {
    let verdict;
    for (let answer = 0; answer < 3; answer += 1) verdict = windows.sample(rtt, start + rtt + answer, start) ?? verdict;
    return verdict;
  };
  windowAt(0, 50);
  const slow = windowAt(100, 80);
  t.equal(slow?.baselineMs, 50);
  t.ok((slow?.meanRttMs ?? 0) >= 80);
  windowAt(20_000, 80);
  t.equal(windows.baselineMs(20_100), 80, 'the old fast window is beyond the horizon');
});

t.test('accepted rate: counted in send order between two refusals, pause included', async (t) => {
  const rate = new AcceptedRate(0);
  let seq = 0;
  const sent = (at: number) => ({ sentAt: at, seq: (seq += 1) });
  // Refused at 0, a pause of 1 s, then 20 requests sent over 0.5 s accepted, the next refused at
  // 1500: the allowance granted 20 per 1.5 s, not 40/s.
  for (let index = 0; index < 20; index += 1) rate.add(sent(1000 + index * 25), 1600);
  t.equal(Math.round(rate.close(sent(1500)) * 10) / 10, 13.3);
  // The next span starts at that refusal; requests sent at the same moment before the refused one count.
  for (let index = 0; index < 9; index += 1) rate.add(sent(1500 + index * 50), 2100);
  const same = sent(2000);
  rate.add(same, 2100);
  t.equal(rate.close(sent(2000)), 20);
});
