import { isLosslessNumber } from 'lossless-json';
import t from 'tap';
import { parseAirbyteLine } from '../src/protocol/airbyte-input.js';
import { Batcher } from '../src/sync/batcher.js';
import { StateTracker } from '../src/sync/state-tracker.js';
import { classifyStatus, retryAfterMs, retryDelayMs } from '../src/rokt/retry.js';

t.test('state tracker: a state waits for every earlier record, even when later ones settle first', async (t) => {
  const tracker = new StateTracker<string>(() => 0);
  const a = tracker.registerRecord('s');
  const b = tracker.registerRecord('s');
  tracker.addState('after-ab', {});
  const c = tracker.registerRecord('s');
  tracker.addState('after-abc', {});
  tracker.settle(c, 'accepted');
  tracker.settle(b, 'rejected');
  t.same(tracker.takeReady(), [], 'a is still in flight');
  tracker.settle(a, 'accepted');
  const ready = tracker.takeReady();
  t.same(ready.map((state) => state.payload), ['after-ab', 'after-abc'], 'both, in order');
  t.same(ready[0]?.window, { received: 2, accepted: 1, rejected: 1, deliberate: 0 });
  t.same(ready[1]?.window, { received: 1, accepted: 1, rejected: 0, deliberate: 0 });
  t.equal(tracker.unsettledRecords, 0);
});

t.test('state tracker: STREAM states count their own stream’s window; GLOBAL counts all', async (t) => {
  const tracker = new StateTracker<string>(() => 0);
  const refs = [tracker.registerRecord('a'), tracker.registerRecord('b'), tracker.registerRecord('a')];
  tracker.addState('a-state', { stream: 'a' });
  tracker.addState('b-state', { stream: 'b' });
  const late = tracker.registerRecord('b');
  tracker.addState('global', {});
  for (const ref of [...refs, late]) tracker.settle(ref, 'accepted');
  const ready = tracker.takeReady();
  t.same(
    ready.map((state) => [state.payload, state.window.received]),
    [
      ['a-state', 2],
      ['b-state', 1],
      ['global', 4],
    ],
  );
});

t.test('batcher: full batches, byte limit, one batch per key', async (t) => {
  const batcher = new Batcher<{ id: string; refs: number[] }>({ maxItems: 3, maxBytes: 10 }, () => 0);
  t.same(batcher.add('k', { id: 'x', refs: [1] }, 1), []);
  t.same(batcher.add('other', { id: 'o', refs: [] }, 1), [], 'another key, another batch');
  t.same(batcher.add('k', { id: 'y', refs: [3] }, 1), []);
  const full = batcher.add('k', { id: 'z', refs: [4] }, 1);
  t.equal(full.length, 1);
  t.same(full[0]?.items, [{ id: 'x', refs: [1] }, { id: 'y', refs: [3] }, { id: 'z', refs: [4] }]);
  t.same(batcher.takeAll().map((batch) => batch.key), ['other']);
  batcher.add('k', { id: 'a', refs: [] }, 6);
  const closed = batcher.add('k', { id: 'b', refs: [] }, 6);
  t.same(closed[0]?.items.map((item) => item.id), ['a'], 'closed before exceeding maxBytes');
  t.same(batcher.takeAll()[0]?.items.map((item) => item.id), ['b']);
});

t.test('retry policy', async (t) => {
  t.equal(classifyStatus(200, { conflictMeansDelivered: false }), 'delivered');
  t.equal(classifyStatus(409, { conflictMeansDelivered: true }), 'delivered');
  t.equal(classifyStatus(409, { conflictMeansDelivered: false }), 'fatal');
  t.equal(classifyStatus(400, { conflictMeansDelivered: false }), 'split');
  t.equal(classifyStatus(401, { conflictMeansDelivered: false }), 'auth');
  t.equal(classifyStatus(403, { conflictMeansDelivered: false }), 'auth');
  t.equal(classifyStatus(429, { conflictMeansDelivered: false }), 'retry');
  t.equal(classifyStatus(503, { conflictMeansDelivered: false }), 'retry');
  t.equal(classifyStatus(404, { conflictMeansDelivered: false }), 'fatal');
  t.equal(retryAfterMs('3', 0), 3000);
  t.equal(retryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
  t.equal(retryAfterMs(undefined, 0), undefined);
  const policy = { maxRetries: 5, maxElapsedMs: 60_000, baseDelayMs: 100, maxDelayMs: 1000, random: () => 1 };
  t.same([0, 1, 2, 3, 4].map((retry) => retryDelayMs({ retry, policy })), [100, 200, 400, 800, 1000]);
  t.equal(retryDelayMs({ retry: 0, retryAfter: 2500, policy }), 2500);
});

t.test('Airbyte input: records, lossless states, stream status, invalid lines', async (t) => {
  t.match(parseAirbyteLine('{"type":"RECORD","record":{"stream":"s","namespace":"n","data":{"a":1},"emitted_at":1}}'), { kind: 'record', stream: { name: 's', namespace: 'n' }, data: { a: 1 } });
  const big = parseAirbyteLine('{"type":"RECORD","record":{"stream":"s","data":{"id":12345678901234567890123,"n":1.5,"price":10.50,"e":1e21,"nested":{"x":[9007199254740993]}},"emitted_at":1}}');
  t.ok(big.kind === 'record');
  const data = big.kind === 'record' ? big.data : {};
  t.same(
    [data.id, data.price, data.e, (data.nested as { x: unknown[] }).x[0]].map((value) => (isLosslessNumber(value) ? value.value : value)),
    ['12345678901234567890123', '10.50', '1e21', '9007199254740993'],
    'numbers JavaScript would print differently keep their text, nested ones too',
  );
  t.equal(data.n, 1.5, 'other numbers stay plain numbers');
  t.equal(parseAirbyteLine('{"type":"RECORD","record":{"stream":"s","data":{"t":"2025-01-10T00:00:00.000Z","a":1.5}}}').kind, 'record');
  t.match(parseAirbyteLine('{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"s"}}}}'), { kind: 'state', state: { scope: 'stream', stream: { name: 's' } } });
  t.match(parseAirbyteLine('{"type":"STATE","state":{"data":{"x":1}}}'), { kind: 'state', state: { scope: 'global' } }, 'no type = LEGACY = global');
  t.match(parseAirbyteLine('{"type":"TRACE","trace":{"type":"STREAM_STATUS","emitted_at":1,"stream_status":{"stream_descriptor":{"name":"s"},"status":"COMPLETE"}}}'), { kind: 'stream_status', status: 'COMPLETE' });
  t.match(parseAirbyteLine('{"type":"LOG","log":{"level":"INFO","message":"x"}}'), { kind: 'ignored', type: 'LOG' });
  t.same(parseAirbyteLine('jane.secret@x.com,Jane,555'), { kind: 'invalid', reason: 'invalid JSON at column 1: unexpected character where a value should start' }, 'no input bytes in the reason');
  t.same(parseAirbyteLine('{"type":"RECORD","record":{"stream":"s","data":{"email": jane.secret@x.com}}}'), { kind: 'invalid', reason: 'invalid JSON at column 58: unexpected character where a value should start' });
  t.match(parseAirbyteLine('[1,2]'), { kind: 'invalid', reason: /no "type"/ });
  t.same(parseAirbyteLine('{"type":"RECORD","record":{"stream":"s","data":[1]}}'), { kind: 'record', stream: { name: 's' }, data: {}, rejection: { reason: '"data" is an array, not an object' } }, 'counted and rejected, not skipped');
  t.same(parseAirbyteLine('{"type":"RECORD","record":{"stream":"s","data":"x"}}'), { kind: 'record', stream: { name: 's' }, data: {}, rejection: { reason: '"data" is a string, not an object' } });
});

t.test('state tracker: thousands of records settled in reverse order (the ring grows)', async (t) => {
  const tracker = new StateTracker<string>(() => 0);
  const refs = Array.from({ length: 5000 }, () => tracker.registerRecord('s'));
  tracker.addState('all', {});
  for (const ref of refs.slice(1).reverse()) tracker.settle(ref, 'accepted');
  t.same(tracker.takeReady(), [], 'the first record is still in flight');
  t.equal(tracker.unsettledRecords, 1);
  tracker.settle(refs[0] as NonNullable<(typeof refs)[0]>, 'rejected');
  t.same(tracker.takeReady().map((state) => [state.payload, state.window]), [['all', { received: 5000, accepted: 4999, rejected: 1, deliberate: 0 }]]);
  t.equal(tracker.unsettledRecords, 0);
  const later = tracker.registerRecord('s');
  tracker.addState('next', {});
  tracker.settle(later, 'accepted');
  t.same(tracker.takeReady().map((state) => state.payload), ['next'], 'the ring is clean after wrapping');
});

t.test('readLineChunks: BOM, CRLF, blank and whitespace-only lines, line numbers, invalid UTF-8 flagged', async (t) => {
  const { readLineChunks } = await import('../src/protocol/lines.js');
  const { Readable } = await import('node:stream');
  const input = Readable.from([Buffer.from('\uFEFF{"a":1}\r\n\n   \t \n{"b":'), Buffer.from([0xff]), Buffer.from('2}\n{"c":3}')]);
  const lines = [];
  for await (const chunk of readLineChunks(input)) lines.push(...chunk);
  t.same(lines, [
    { number: 1, text: '{"a":1}' },
    { number: 4, text: '{"b":\uFFFD2}', replacedInvalidUtf8: true },
    { number: 5, text: '{"c":3}' },
  ]);
});
