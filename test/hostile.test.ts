// Hostile input and hostile timing on the write path: every case here lost, corrupted or leaked data
// before its fix.
import { Writable } from 'node:stream';
import t from 'tap';
import { sha256Hex } from '../src/rules/normalize.js';
import { LineWriter } from '../src/protocol/writer.js';
import type { RoktSimulator } from '../src/simulator/server.js';
import { AudienceChanges, type AudienceChange } from '../src/audience-api/changes.js';
import type { RecordInfo } from '../src/sync/records.js';
import { jsonl, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator } from './helpers/sim.js';

async function write(sim: RoktSimulator, config: Record<string, unknown>, input: unknown[] | string, catalog?: unknown) {
  const dir = tempDir();
  const args = ['write', '--config', writeJson(dir, 'config.json', config)];
  if (catalog) args.push('--catalog', writeJson(dir, 'catalog.json', catalog));
  return runCli(args, typeof input === 'string' ? input : jsonl(input));
}

const logs = (stdout: string[]) => stdout.filter((line) => line.includes('"LOG"')).map((line) => JSON.parse(line).log.message as string);
const summaryOf = (stdout: string[]) => JSON.parse(/(\{.*\})$/.exec(logs(stdout).find((line) => line.startsWith('Sync summary')) ?? '')?.[1] ?? '{}');

// ---- audience order: the last row for each (list, person) wins at Rokt ----

const toggles = {
  streams: [
    { stream: 'adds', object: 'audience', audience_name: 'VIP', action: 'include' },
    { stream: 'removes', object: 'audience', audience_name: 'VIP', action: 'exclude' },
  ],
};
const person = 'pat@example.com';

t.test('add → remove → add in one batch window ends a member (the later change replaces the earlier one)', async (t) => {
  const sim = await startSimulator(t);
  const rows = [record('adds', { email: person }), record('removes', { email: person }), record('adds', { email: person }), record('removes', { email: 'ann@example.com' }), globalState(1)];
  const result = await write(sim, simConfig(sim, ['v3'], toggles), rows);
  t.equal(result.code, 0, result.stderr);
  t.ok(sim.audienceMembers('VIP').has(sha256Hex(person)), 'a member, as the last row says');
  t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 4, rejectedRecordCount: 0 }, 'every row counted');
  const reversed = await startSimulator(t);
  const ending = await write(reversed, simConfig(reversed, ['v3'], toggles), [record('removes', { email: person }), record('adds', { email: person }), record('removes', { email: person }), globalState(1)]);
  t.equal(ending.code, 0);
  t.notOk(reversed.audienceMembers('VIP').has(sha256Hex(person)), 'not a member when the last row removes');
});

t.test('a retried include never lands after a later exclude of the same person (503, retries, concurrency)', async (t) => {
  for (const last of ['adds', 'removes'] as const) {
    const sim = await startSimulator(t, { latencyMs: 20 });
    // The first include is refused twice with 503: its retries come after the later rows were read.
    sim.addFault({ path: '/v3/import/suppression', times: 2, fault: { kind: 'status', status: 503 } });
    const rows = [record('adds', { email: person }), record('removes', { email: person }), record(last, { email: person }), globalState(1)];
    const config = simConfig(sim, ['v3'], { ...toggles, audience_batch_size: 1, concurrency: 8, retry_base_delay_ms: 100 });
    const result = await write(sim, config, rows);
    t.equal(result.code, 0, result.stderr);
    const ops = sim.audienceOps.filter((op) => op.list === 'VIP').map((op) => op.action);
    t.same(ops, ['include', 'exclude', last === 'adds' ? 'include' : 'exclude'], `${last}: Rokt saw the changes in row order`);
    t.equal(sim.audienceMembers('VIP').has(sha256Hex(person)), last === 'adds', `${last}: membership follows the last row`);
  }
});

t.test('AudienceChanges: supersedes unsent changes, holds a change back while the other action is in flight', async (t) => {
  const info = (line: number) => ({ line }) as unknown as RecordInfo;
  const changes = new AudienceChanges({ maxItems: 2, maxOpenLists: 3, now: () => 0 });
  const change = (action: 'include' | 'exclude', who: string, line: number): AudienceChange => ({ list: 'L', action, key: 'sha256s', identifier: who, person: who, record: info(line) });
  t.same(changes.add(change('include', 'a', 1)), []);
  t.same(changes.add(change('exclude', 'a', 2)), [], 'replaces the include');
  const [batch] = changes.takeAll();
  t.same([batch?.action, batch?.items.map((item) => item.records.map((r) => r.line))], ['exclude', [[1, 2]]], 'one exclude carrying both rows');
  const wait = changes.conflict(change('include', 'a', 3));
  t.ok(wait, 'an include waits while the exclude is in flight');
  t.equal(changes.conflict(change('exclude', 'a', 4)), undefined, 'the same action need not wait');
  let woke = false;
  void wait?.then(() => (woke = true));
  changes.settled(batch as NonNullable<typeof batch>);
  await wait;
  t.ok(woke, 'settling the request releases it');
  const keys = ['one', 'two', 'three', 'four', 'five'];
  const sent = keys.flatMap((list, index) => changes.add({ ...change('include', `p${index}`, index), list }));
  t.ok(changes.openLists <= 3, 'open lists stay bounded');
  t.same(sent.map((b) => b.list), ['one', 'two'], 'the oldest lists went out first');
});

// ---- stream identity ----

t.test('stream "public.orders" and stream "orders" in namespace "public" are two streams', async (t) => {
  const sim = await startSimulator(t);
  const catalog = {
    streams: [configuredStream('public.orders', 'audience'), { ...configuredStream('orders', 'event'), stream: { ...configuredStream('orders', 'event').stream, namespace: 'public' } }],
  };
  const namespaced = (data: Record<string, unknown>) => ({ type: 'RECORD', record: { stream: 'orders', namespace: 'public', data, emitted_at: 1 } });
  const stateOf = (name: string, namespace?: string) => ({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: namespace ? { name, namespace } : { name }, stream_state: { c: 1 } } } });
  const result = await write(
    sim,
    simConfig(sim, ['v2']),
    [namespaced({ clientEventId: 'e1', eventType: 'conversion', email: 'x@example.com' }), record('public.orders', { email: 'y@example.com' }), stateOf('orders', 'public'), stateOf('public.orders')],
    catalog,
  );
  t.equal(result.code, 0, result.stderr);
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['e1'], 'the namespaced row went out as an event');
  t.same([...sim.audienceMembers('public.orders')], [sha256Hex('y@example.com')], 'the dotted stream as an audience change');
  const states = ofType(assertAirbyteMessages(t, result.stdout), 'STATE');
  t.same(states.map((s) => s.state.destinationStats.recordCount), [1, 1], 'each stream state counts its own stream only');
  const streams = summaryOf(result.stdout).streams;
  t.equal(Object.keys(streams).length, 2, 'two streams in the summary');
});

// ---- records never vanish from the counts; states are never dropped ----

t.test('records whose data is not an object, or nests too deeply, are counted and rejected; a deep state is echoed', async (t) => {
  const sim = await startSimulator(t);
  const deep = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
  const lines = [
    JSON.stringify(record('orders', { clientEventId: 'ok', eventType: 'conversion' })),
    JSON.stringify({ type: 'RECORD', record: { stream: 'orders', data: 'a string', emitted_at: 1 } }),
    JSON.stringify({ type: 'RECORD', record: { stream: 'orders', data: [1, 2], emitted_at: 1 } }),
    `{"type":"RECORD","record":{"stream":"orders","emitted_at":1,"data":{"clientEventId":"deep","eventType":"t","nested":${deep}}}}`,
    `{"type":"STATE","state":{"type":"GLOBAL","global":{"shared_state":{"cursor":12345678901234567890123,"deep":${deep}}}}}`,
  ];
  const config = simConfig(sim, ['v2'], { streams: [{ stream: 'orders', object: 'event', unmapped_columns: 'custom_attributes' }] });
  const result = await write(sim, config, lines.join('\n') + '\n');
  t.equal(result.code, 0, result.stderr);
  const states = result.stdout.filter((line) => line.includes('"STATE"'));
  t.equal(states.length, 1, 'the deep state is echoed');
  t.ok(states[0]?.includes(`"cursor":12345678901234567890123,"deep":${deep}`), 'byte for byte');
  t.ok(states[0]?.endsWith(',"destinationStats":{"recordCount":1,"rejectedRecordCount":3}}}'), 'accepted + rejected = received');
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['ok']);
  const reasons = summaryOf(result.stdout).streams.orders.rejected_by_reason;
  t.same(reasons, { '"data" is a string, not an object': 1, '"data" is an array, not an object': 1, 'the record is nested too deeply to be sent': 1 });
});

t.test('no log line quotes input bytes: an unparseable line is reported by line, column and kind', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(sim, simConfig(sim, ['v2'], { unrouted_streams: 'reject' }), 'jane.secret@example.com,Jane,555-0100\n{"type":"RECORD","record":{"stream":"s","data":{"email": jane.secret@example.com}}}\n');
  t.equal(result.code, 0, result.stderr);
  const text = result.stdout.join('\n') + result.stderr;
  t.notMatch(text, /jane|secre|555/, 'nothing of the input in any output');
  t.match(logs(result.stdout).join('\n'), /Input line 1 skipped: invalid JSON at column 1: unexpected character where a value should start/);
  t.match(logs(result.stdout).join('\n'), /Input line 2 skipped: invalid JSON at column 58/);
});

// ---- v1: a lost answer, then 409 ----

t.test('v1: a lost answer followed by 409 is counted as delivered but unverified, and said so', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v1/events', times: 1, fault: { kind: 'drop-after-processing' } });
  const rows = [record('orders', { clientEventId: 'a', eventType: 'conversion' }), record('orders', { clientEventId: 'b', eventType: 'conversion' }), globalState(1)];
  const result = await write(sim, simConfig(sim, ['v1'], { request_timeout_seconds: 1 }), rows, { streams: [configuredStream('orders', 'event')] });
  t.equal(result.code, 0, result.stderr);
  t.ok(sim.requests.some((r) => r.path === '/v1/events' && r.status === 409), 'the retry was answered 409');
  const summary = summaryOf(result.stdout);
  t.same([summary.accepted, summary.accepted_unverified, summary.streams.orders.accepted_unverified], [0, 2, 2]);
  t.match(logs(result.stdout).join('\n'), /2 counted as delivered without Rokt's verdict/);
  t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 2, rejectedRecordCount: 0 });
});

// ---- failing promptly ----

t.test('when one request exhausts its retries the run fails at once, without waiting for other requests', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ clientEventId: 'slow', fault: { kind: 'delay', ms: 60_000 } });
  sim.addFault({ clientEventId: 'doomed', times: Infinity, fault: { kind: 'status', status: 503 } });
  const rows = [record('orders', { clientEventId: 'slow', eventType: 't' }), record('orders', { clientEventId: 'doomed', eventType: 't' }), globalState(1)];
  const config = simConfig(sim, ['v2'], { batch_size: 1, concurrency: 4, max_retries: 1, request_timeout_seconds: 120 });
  const result = await write(sim, config, rows, { streams: [configuredStream('orders', 'event')] });
  t.equal(result.code, 3, 'transient_error');
  t.equal(sim.pendingAnswers, 1, 'the slow request was still unanswered when the run ended');
  t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE'), [], 'no state');
  t.match(ofType(assertAirbyteMessages(t, result.stdout), 'TRACE')[0]?.trace.error, { failure_type: 'transient_error', message: /failed after 2 attempts/ });
});

// ---- sources that checkpoint after every record ----

t.test('a STATE after every record does not make every request carry one event', async (t) => {
  const sim = await startSimulator(t);
  const rows = Array.from({ length: 1000 }, (_, index) => [record('orders', { clientEventId: `e${index}`, eventType: 't' }), globalState(index)]).flat();
  const result = await write(sim, simConfig(sim, ['v2']), rows, { streams: [configuredStream('orders', 'event')] });
  t.equal(result.code, 0, result.stderr);
  const states = ofType(assertAirbyteMessages(t, result.stdout), 'STATE');
  t.same(states.map((s) => s.state.global.shared_state.cursor), Array.from({ length: 1000 }, (_, index) => index), 'every state, in order');
  t.ok(states.every((s) => s.state.destinationStats.recordCount === 1), 'each after its own record');
  const requests = sim.requests.filter((r) => r.path === '/v2/events').length;
  t.ok(requests <= 50, `${requests} requests for 1,000 events`);
  t.equal(sim.acceptedEvents.length, 1000);
});

// ---- many lists ----

t.test('many nearly unique audience lists: small-list warnings are capped', async (t) => {
  const sim = await startSimulator(t);
  const rows = Array.from({ length: 60 }, (_, index) => record('members', { email: `p${index}@example.com`, list: `list-${index}` }));
  const result = await write(sim, simConfig(sim, ['v3']), [...rows, globalState(1)], { streams: [configuredStream('members', 'audience')] });
  t.equal(result.code, 0, result.stderr);
  const warnings = logs(result.stdout).filter((line) => /Rokt targets lists|more audiences got fewer/.test(line));
  t.equal(warnings.length, 21, '20 named, then one line for the rest');
  t.match(warnings[20], /^40 more audiences got fewer than 1000 members/);
  t.equal(new Set(sim.audienceOps.map((op) => op.list)).size, 60, 'every list was written');
});

// ---- a slow stdout reader ----

t.test('LineWriter: a slow reader does not pile up listeners', async (t) => {
  let accepted = 0;
  const slow = new Writable({
    highWaterMark: 1,
    write(_chunk, _encoding, callback) {
      accepted += 1;
      setImmediate(callback);
    },
  });
  const writer = new LineWriter(slow);
  for (let index = 0; index < 200; index += 1) void writer.writeLine(`line ${index}`);
  await writer.flushed();
  t.equal(accepted, 200);
  t.equal(slow.listenerCount('close'), 0, 'no close listener left behind');
  t.equal(slow.listenerCount('drain'), 0);
});
