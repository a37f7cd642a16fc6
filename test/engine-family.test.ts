// The write engine in-process, over a fake API family: no Rokt format, no HTTP, no child process.
import t from 'tap';
import { Router } from '../src/catalog/routes.js';
import { parseConfig } from '../src/config/load.js';
import type { ApiResponse } from '../src/rokt/http.js';
import { deliver, type DeliveryContext, type DeliveryTarget } from '../src/sync/deliver.js';
import type { AddResult, FamilyBatch, FamilyWriter } from '../src/sync/family.js';
import type { SyncMessage, StateStats } from '../src/sync/messages.js';
import { WritePipeline } from '../src/sync/pipeline.js';
import type { RecordInfo } from '../src/sync/records.js';

const answer = (status: number, body = ''): ApiResponse => ({ status, headers: {}, body });
const policy = { maxRetries: 3, maxElapsedMs: 60_000, baseDelayMs: 1, maxDelayMs: 10, random: () => 0.5 };
const context = (): DeliveryContext & { slept: number[] } => {
  const slept: number[] = [];
  return { policy, sleep: async (ms) => void slept.push(ms), now: () => 0, counters: { requests: 0, retries: 0, splits: 0 }, slept };
};

t.test('deliver: retries what may succeed, honours Retry-After, splits a refused request down to the culprit', async (t) => {
  const sent: string[][] = [];
  const answers = [answer(503), answer(429), answer(200)];
  const flaky: DeliveryTarget<string> = { name: 'fake request', conflictMeansDelivered: false, send: async (items) => (sent.push([...items]), answers.shift() as ApiResponse) };
  const retried = context();
  const flakyWithRetryAfter = { ...flaky, send: async (items: readonly string[]) => { const response = await flaky.send(items, 'k'); return response.status === 429 ? { ...response, headers: { 'retry-after': '2' } } : response; } };
  t.same(await deliver(['a', 'b'], flakyWithRetryAfter, retried), { accepted: ['a', 'b'], rejected: [], unverified: [] });
  t.equal(sent.length, 3);
  t.equal(retried.slept[1], 2000, 'Retry-After in seconds');

  const refusing: DeliveryTarget<string> = { name: 'fake request', conflictMeansDelivered: false, send: async (items) => (items.includes('bad') ? answer(400, '{"message":"bad row"}') : answer(200)) };
  const split = context();
  const result = await deliver(['a', 'b', 'bad', 'c', 'd'], refusing, split);
  t.same(result.accepted, ['a', 'b', 'c', 'd']);
  t.same(result.rejected, [{ item: 'bad', reason: 'Rokt refused it: HTTP 400 (bad row)' }]);
  t.ok(split.counters.splits >= 2);

  const idempotent: DeliveryTarget<string> = { name: 'fake request', conflictMeansDelivered: true, send: async () => answer(409) };
  t.same(await deliver(['x'], idempotent, context()), { accepted: [], rejected: [], unverified: ['x'] }, '409 on an idempotent retry: delivered, unverified');

  const down: DeliveryTarget<string> = { name: 'fake request', conflictMeansDelivered: false, send: async () => answer(503) };
  await t.rejects(deliver(['x'], down, context()), /The fake request failed after 4 attempts/);
  const unauthorized: DeliveryTarget<string> = { name: 'fake request', conflictMeansDelivered: false, send: async () => answer(401) };
  await t.rejects(deliver(['x'], unauthorized, context()), /Rokt refused the fake request with HTTP 401/);
});

interface FakeItem {
  record: RecordInfo;
  value: string;
}

/** A family that sends each row's `value` in batches of two; values starting with "x" are refused by its answer. */
function fakeWriter(options: { requests: string[][]; holdFirst?: Promise<void> }): FamilyWriter<FakeItem, FakeItem, FamilyBatch<FakeItem>> {
  let open: FakeItem[] = [];
  let waitingOn: Promise<void> | undefined = options.holdFirst;
  return {
    map: ({ record, data }) => (typeof data.value === 'string' ? { ok: true, value: { record, value: data.value } } : { ok: false, rejection: { field: 'value', reason: 'value is required' } }),
    batches: {
      add(item): AddResult<FamilyBatch<FakeItem>> {
        if (waitingOn) {
          const wait = waitingOn;
          waitingOn = undefined;
          return { waitFor: wait };
        }
        open.push(item);
        if (open.length < 2) return { ready: [] };
        const ready = { items: open };
        open = [];
        return { ready: [ready] };
      },
      takeAll() {
        const all = open.length ? [{ items: open }] : [];
        open = [];
        return all;
      },
      takeOlderThan: () => [],
      get open() {
        return open.length ? 1 : 0;
      },
    },
    target: () => ({
      name: 'fake request',
      conflictMeansDelivered: false,
      send: async (items) => {
        options.requests.push(items.map((item) => item.value));
        return answer(200);
      },
      unprocessed: (items) => new Map(items.filter((item) => item.value.startsWith('x')).map((item) => [item, 'refused by the fake API'])),
    }),
    records: (item) => [item.record],
    rejectedCopy: (item) => ({ value: item.value }),
  };
}

async function* chunks(messages: SyncMessage[]): AsyncGenerator<SyncMessage[]> {
  yield messages;
}

const row = (value: unknown, line: number): SyncMessage => ({ kind: 'record', stream: { name: 's' }, data: { value }, line });
const state = (cursor: number, line: number): SyncMessage => ({ kind: 'state', payload: cursor, line });

t.test('the pipeline over a fake family: batches, rejections, states in order with their counts', async (t) => {
  const config = parseConfig({ account_id: '1', streams: [{ stream: 's', object: 'event' }] });
  const requests: string[][] = [];
  const states: [unknown, StateStats][] = [];
  const pipeline = new WritePipeline({
    messages: chunks([row('a', 1), row('b', 2), state(1, 3), row('x-refused', 4), row(7, 5), row('c', 6), state(2, 7)]),
    router: new Router(config, undefined),
    config,
    writers: new Map([['event', fakeWriter({ requests })]]),
    output: { emitState: async (payload, stats) => void states.push([payload, stats]), log: async () => undefined, progress: async () => undefined },
    stopInput: () => undefined,
  });
  const report = await pipeline.run();
  t.same(requests, [['a', 'b'], ['x-refused', 'c']]);
  t.same(states, [
    [1, { recordCount: 2, rejectedRecordCount: 0 }],
    [2, { recordCount: 1, rejectedRecordCount: 2 }],
  ]);
  const counts = [...report.streams.values()][0];
  t.same([counts?.received, counts?.accepted, counts?.rejected], [5, 3, 2]);
  t.same(Object.fromEntries(counts?.rejectedByReason ?? []), { 'value is required': 1, 'refused by the fake API': 1 });
});

t.test('the pipeline waits when a family asks it to, and goes on once released', async (t) => {
  const config = parseConfig({ account_id: '1', streams: [{ stream: 's', object: 'event' }] });
  const requests: string[][] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let finished = false;
  const run = new WritePipeline({
    messages: chunks([row('a', 1), row('b', 2), state(1, 3)]),
    router: new Router(config, undefined),
    config,
    writers: new Map([['event', fakeWriter({ requests, holdFirst: held })]]),
    output: { emitState: async () => undefined, log: async () => undefined, progress: async () => undefined },
    stopInput: () => undefined,
  })
    .run()
    .then(() => (finished = true));
  await new Promise((resolve) => setImmediate(resolve));
  t.same([requests, finished], [[], false], 'held: nothing sent, not finished');
  release();
  await run;
  t.same(requests, [['a', 'b']], 'sent after the release, in order');
});
