/**
 * Grouping batches into /v2/bulkevents requests (in-process, with a controlled clock): at most 100
 * batches and the byte limit per request, the body size counted exactly, and audience changes of one
 * (audience, person) never in flight together.
 */
import t from 'tap';
import { bulkBody } from '../src/mparticle/body.js';
import type { MparticleItem, MparticleRequest } from '../src/mparticle/item.js';
import { MparticleRequests } from '../src/mparticle/requests.js';
import type { AddResult } from '../src/sync/family.js';
import type { RecordInfo } from '../src/sync/records.js';

const record = (line: number) => ({ line }) as unknown as RecordInfo;
/** A batch of exactly `size` bytes (for sizes of 14 and more). */
const item = (line: number, size = 14, change?: MparticleItem['change']): MparticleItem => {
  const json = JSON.stringify({ l: line, p: 'x'.repeat(Math.max(0, size - 13 - String(line).length)) });
  return { record: record(line), json, bytes: Buffer.byteLength(json), change };
};
const ready = (result: AddResult<MparticleRequest>) => {
  if (!('ready' in result)) throw new Error('expected the item to be added');
  return result.ready;
};
const lines = (requests: MparticleRequest[]) => requests.map((request) => request.items.map((entry) => entry.record.line));

t.test('a request closes at the batch limit, and before the byte limit would be passed', async (t) => {
  let now = 0;
  const requests = new MparticleRequests({ maxItems: 3, maxBytes: 100, now: () => now });
  t.same(ready(requests.add(item(1, 30))), []);
  t.same(ready(requests.add(item(2, 30))), []);
  // 1 + 31 + 31 = 63 so far; another 31 makes 94, another 31 would make 125.
  t.equal(item(3, 30).bytes, 30);
  t.same(lines(ready(requests.add(item(3, 30)))), [[1, 2, 3]], 'full at 3 batches');
  t.same(ready(requests.add(item(4, 40))), []);
  t.same(ready(requests.add(item(5, 40))), []);
  const closed = ready(requests.add(item(6, 40)));
  t.same(lines(closed), [[4, 5]], 'the third would pass 100 bytes');
  const request = closed[0] as MparticleRequest;
  t.equal(request.bytes, Buffer.byteLength(bulkBody(request.items).text), 'the counted size is the body’s size');
  t.ok(request.bytes <= 100);
  t.equal(requests.open, 1);
  now = 5_000;
  t.same(lines(requests.takeOlderThan(10_000)), [], 'not old enough');
  t.same(lines(requests.takeOlderThan(5_000)), [[6]]);
  t.equal(requests.open, 0);
  t.same(requests.takeAll(), []);
});

t.test('a batch alone over the limit still goes, alone (the mapper refuses batches over 128 KB)', async (t) => {
  const requests = new MparticleRequests({ maxItems: 100, maxBytes: 50, now: () => 0 });
  ready(requests.add(item(1, 10)));
  t.same(lines(ready(requests.add(item(2, 80)))), [[1]]);
  t.same(lines(requests.takeAll()), [[2]]);
});

t.test('two changes of one person never share a request: the second goes into the next request, sent only after the first settled', async (t) => {
  const requests = new MparticleRequests({ maxItems: 100, maxBytes: 250_000, now: () => 0 });
  const ann = (line: number, action: 'include' | 'exclude') => item(line, 20, { list: 'VIP', person: 'ann', action });
  t.same(ready(requests.add(ann(1, 'include'))), []);
  t.same(ready(requests.add(item(2, 20, { list: 'VIP', person: 'bob', action: 'include' }))), []);
  t.same(ready(requests.add(item(3, 20, { list: 'Other', person: 'ann', action: 'exclude' }))), [], 'another audience: another (audience, person)');
  const first = ready(requests.add(ann(4, 'exclude')));
  t.same(lines(first), [[1, 2, 3]], 'the open request carrying ann’s add is closed and handed out');
  const second = ready(requests.add(ann(5, 'include')));
  t.same(lines(second), [[4]], 'again: each change of ann in a request of its own');
  t.same([...(second[0] as MparticleRequest).after], first, 'the drop is sent only after the add’s request settled');
  t.equal(requests.open, 1);
  const [third] = requests.takeAll();
  t.same(lines([third as MparticleRequest]), [[5]]);
  t.same([...(third as MparticleRequest).after], second);

  // ann's latest change is in a request already handed out: the next one waits for it.
  const blocked = requests.add(ann(6, 'exclude'));
  t.ok('waitFor' in blocked);
  let woken = false;
  if ('waitFor' in blocked) void blocked.waitFor.then(() => (woken = true));
  requests.settled(second[0] as MparticleRequest);
  await Promise.resolve();
  t.notOk(woken, 'an older request settling is not enough');
  requests.settled(third as MparticleRequest);
  await Promise.resolve();
  t.ok(woken, 'the request of ann’s latest change settled');
  t.same(ready(requests.add(ann(6, 'exclude'))), []);
  t.same(lines(requests.takeAll()), [[6]]);
  t.ok('waitFor' in requests.add(item(7, 20, { list: 'VIP', person: 'bob', action: 'exclude' })), 'bob’s add is in a request handed out and not settled: his drop waits');
  requests.settled(first[0] as MparticleRequest);
  t.same(ready(requests.add(item(7, 20, { list: 'VIP', person: 'bob', action: 'exclude' }))), []);
});

t.test('the same change twice is two changes (each row is sent), in two requests', async (t) => {
  const requests = new MparticleRequests({ maxItems: 100, maxBytes: 250_000, now: () => 0 });
  const change = { list: 'VIP', person: 'ann', action: 'include' as const };
  ready(requests.add(item(1, 20, change)));
  t.same(lines(ready(requests.add(item(2, 20, change)))), [[1]]);
  t.same(lines(requests.takeAll()), [[2]]);
});

t.test('events carry no change: any number of rows share a request', async (t) => {
  const requests = new MparticleRequests({ maxItems: 100, maxBytes: 250_000, now: () => 0 });
  for (let line = 1; line <= 99; line += 1) t.same(ready(requests.add(item(line))), []);
  const full = ready(requests.add(item(100)));
  t.equal(full[0]?.items.length, 100);
  requests.settled(full[0] as MparticleRequest);
});
