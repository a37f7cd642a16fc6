import t from 'tap';
import { sha256Hex } from '../src/rules/normalize.js';
import { jsonl, RunningCli, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator, streamState } from './helpers/sim.js';
import type { RoktSimulator } from '../src/simulator/server.js';

const now = () => new Date().toISOString();
const event = (id: string, extra: Record<string, unknown> = {}) => record('orders', { clientEventId: id, eventType: 'conversion', eventTime: now(), ...extra });
const catalog = { streams: [configuredStream('orders', 'event')] };

async function write(sim: RoktSimulator, config: Record<string, unknown>, input: unknown[], options: { catalog?: unknown; raw?: string } = {}) {
  const dir = tempDir();
  const args = ['write', '--config', writeJson(dir, 'config.json', config), '--catalog', writeJson(dir, 'catalog.json', options.catalog ?? catalog)];
  return runCli(args, options.raw ?? jsonl(input));
}

const acceptedIds = (sim: RoktSimulator) => sim.acceptedEvents.map((accepted) => accepted.clientEventId);

t.test('v2: headers, body and hashed PII field by field; STATE echoed with stats', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(sim, simConfig(sim, ['v2']), [
    event('e1', { email: ' Jane@Example.com', mobile: '(732) 757-2923', amount: 99.95, currency: 'USD', firstname: 'Jane', 'metadata.source': 'warehouse' }),
    event('e2'),
    streamState('orders', 2),
  ]);
  t.equal(result.code, 0, result.stderr);
  const messages = assertAirbyteMessages(t, result.stdout);
  const requests = sim.requests.filter((r) => r.path === '/v2/events');
  t.equal(requests.length, 1, 'both events in one request');
  const request = requests[0];
  t.equal(request?.headers.authorization, `Basic ${Buffer.from('rpub-sim-public:rsec-sim-secret').toString('base64')}`);
  t.equal(request?.headers['rokt-version'], '2020-05-21');
  t.equal(request?.headers['content-type'], 'application/json');
  t.equal(request?.headers.charset, 'utf-8');
  t.notOk(request?.headers['idempotency-key'], 'v2 sends no Idempotency-Key');
  const body = request?.body as any;
  t.equal(body.accountId, '1234567890');
  t.same(body.events[0].objectData, [
    { name: 'emailsha256', value: sha256Hex('jane@example.com') },
    { name: 'mobilesha256', value: '19d599ae5048ed6bcf118e6e41f8c2f5c2d20bf1b2bf4c723b2c669157bdbc94' },
    { name: 'amount', value: '99.95' },
    { name: 'currency', value: 'USD' },
    { name: 'firstnamesha256', value: sha256Hex('jane') },
  ]);
  t.same(body.events[0].metaData, [{ name: 'source', value: 'warehouse' }]);
  t.notOk(request?.rawBody.includes('Jane') || request?.rawBody.includes('757'), 'no raw PII left the process');
  const states = ofType(messages, 'STATE');
  t.equal(states.length, 1);
  t.same(states[0]?.state.destinationStats, { recordCount: 2, rejectedRecordCount: 0 });
  const logs = ofType(messages, 'LOG').map((m) => m.log.message).join('\n');
  t.match(logs, /Sync summary: 2 records received, 2 accepted by Rokt, 0 rejected/);
});

t.test('STATE is echoed losslessly: big integers, the platform id, unknown properties', async (t) => {
  const sim = await startSimulator(t);
  const stateLine = '{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"orders"},"stream_state":{"cursor":12345678901234567890123,"float":1.10}},"sourceStats":{"recordCount":1.0},"id":7,"x-extra":{"keep":[1,2]}}}';
  const result = await write(sim, simConfig(sim, ['v2']), [], { raw: jsonl([event('e1')]) + stateLine + '\n' });
  t.equal(result.code, 0, result.stderr);
  const stateOut = result.stdout.find((line) => line.includes('"STATE"'));
  const expected = stateLine.slice(0, -2) + ',"destinationStats":{"recordCount":1,"rejectedRecordCount":0}}}';
  t.equal(stateOut, expected, 'byte-identical apart from the added destinationStats');
  assertAirbyteMessages(t, result.stdout);
});

t.test('v1: one OAuth token for all requests, an Idempotency-Key per request', async (t) => {
  const sim = await startSimulator(t);
  const input = [...Array.from({ length: 5 }, (_, i) => event(`e${i}`)), globalState('s1')];
  const result = await write(sim, simConfig(sim, ['v1'], { batch_size: 2 }), input);
  t.equal(result.code, 0, result.stderr);
  t.equal(sim.requests.filter((r) => r.path === '/auth/oauth2/token').length, 1, 'token fetched once');
  const eventRequests = sim.requests.filter((r) => r.path === '/v1/events');
  t.equal(eventRequests.length, 3, '5 events in batches of 2');
  const keys = eventRequests.map((r) => r.headers['idempotency-key']);
  t.equal(new Set(keys).size, 3, 'a distinct key per request');
  for (const r of eventRequests) t.match(r.headers.authorization, /^Bearer .+/);
  t.same(acceptedIds(sim).sort(), ['e0', 'e1', 'e2', 'e3', 'e4']);
});

t.test('v1 with the Access_token spelling and a 401 mid-run: token refreshed once', async (t) => {
  const sim = await startSimulator(t, { tokenField: 'Access_token' });
  sim.addFault({ path: '/v1/events', fault: { kind: 'status', status: 401 } });
  const result = await write(sim, simConfig(sim, ['v1']), [event('e1'), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  t.equal(sim.requests.filter((r) => r.path === '/auth/oauth2/token').length, 2);
  t.same(acceptedIds(sim), ['e1']);
});

t.test('v1: a request that landed but whose answer was lost is retried with the same key; 409 counts as delivered', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v1/events', fault: { kind: 'drop-after-processing' } });
  const result = await write(sim, simConfig(sim, ['v1']), [event('e1'), event('e2'), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  const eventRequests = sim.requests.filter((r) => r.path === '/v1/events');
  t.same(eventRequests.map((r) => r.status), ['dropped', 409]);
  t.equal(eventRequests[0]?.headers['idempotency-key'], eventRequests[1]?.headers['idempotency-key'], 'same key on the retry');
  t.same(acceptedIds(sim), ['e1', 'e2'], 'not duplicated');
  const state = ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0];
  t.same(state?.state.destinationStats, { recordCount: 2, rejectedRecordCount: 0 });
});

t.test('v2: the retry of a lost answer carries the same clientEventIds', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v2/events', fault: { kind: 'drop-after-processing' } });
  const result = await write(sim, simConfig(sim, ['v2']), [event('e1'), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  t.same(acceptedIds(sim), ['e1', 'e1'], 'Rokt saw the same id twice (at-least-once under v2)');
});

t.test('rows outside Rokt’s time window and invalid rows are rejected before sending; counts add up', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const rejectedPath = `${dir}/rejected.jsonl`;
  const result = await write(sim, simConfig(sim, ['v2'], { rejected_records_path: rejectedPath }), [
    event('ok1'),
    event('old', { eventTime: '2020-01-01T00:00:00Z', email: 'old@example.com' }),
    event('future', { eventTime: new Date(Date.now() + 3_600_000).toISOString() }),
    event('nozone', { eventTime: '2026-01-01T00:00:00' }),
    record('orders', { eventType: 'conversion' }),
    event('ok2'),
    streamState('orders', 'c1'),
  ]);
  t.equal(result.code, 0, result.stderr);
  t.same(acceptedIds(sim), ['ok1', 'ok2'], 'only valid rows were sent');
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(ofType(messages, 'STATE')[0]?.state.destinationStats, { recordCount: 2, rejectedRecordCount: 4 });
  const warnings = ofType(messages, 'LOG').filter((m) => m.log.level === 'WARN').map((m) => m.log.message);
  t.match(warnings.join('\n'), /Rejected stream "orders" line 2 field eventTime: eventTime is older than Rokt accepts/);
  t.notOk(result.stdout.join('\n').includes('old@example.com'), 'no raw PII in the logs');
  const { readFileSync } = await import('node:fs');
  const rejected = readFileSync(rejectedPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  t.equal(rejected.length, 4);
  t.same(rejected[0].record.email, sha256Hex('old@example.com'), 'the rejected file holds the row with PII hashed');
  t.match(rejected[3], { line: 5, field: 'clientEventId', reason: 'clientEventId is required' });
});

t.test('200 with unprocessedRecords: those rows rejected with Rokt’s reason, the rest accepted', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v2/events', fault: { kind: 'unprocessed', clientEventIds: ['bad'] } });
  const result = await write(sim, simConfig(sim, ['v2']), [event('a'), event('bad'), event('b'), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(ofType(messages, 'STATE')[0]?.state.destinationStats, { recordCount: 2, rejectedRecordCount: 1 });
  t.match(ofType(messages, 'LOG').map((m) => m.log.message).join('\n'), /line 2: Rokt did not process it: ValidationError/);
});

t.test('400 on a multi-event request: the batch is split until the offending event is isolated', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ clientEventId: 'poison', times: Number.POSITIVE_INFINITY, fault: { kind: 'status', status: 400, body: { data: { code: 'RequestValidationError', message: 'bad event' } } } });
  const ids = ['a', 'b', 'c', 'poison', 'd', 'e', 'f', 'g'];
  const result = await write(sim, simConfig(sim, ['v2']), [...ids.map((id) => event(id)), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  t.same(acceptedIds(sim).sort(), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(ofType(messages, 'STATE')[0]?.state.destinationStats, { recordCount: 7, rejectedRecordCount: 1 });
  t.match(ofType(messages, 'LOG').map((m) => m.log.message).join('\n'), /line 4: Rokt refused it: HTTP 400 \(RequestValidationError: bad event\)/);
});

t.test('429 (with Retry-After), 503 and a connection reset are retried; nothing is lost', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v2/events', fault: { kind: 'status', status: 429, retryAfterSeconds: 0 } });
  sim.addFault({ path: '/v2/events', fault: { kind: 'status', status: 503 } });
  sim.addFault({ path: '/v2/events', fault: { kind: 'reset' } });
  const result = await write(sim, simConfig(sim, ['v2']), [event('a'), event('b'), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  t.same(sim.requests.filter((r) => r.path === '/v2/events').map((r) => r.status), [429, 503, 'reset', 200]);
  t.same(acceptedIds(sim), ['a', 'b']);
  t.match(ofType(assertAirbyteMessages(t, result.stdout), 'LOG').map((m) => m.log.message).join('\n'), /3 retries/);
});

t.test('401 is fatal: TRACE config_error, exit 2, no STATE for unflushed data', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(sim, simConfig(sim, ['v2'], { secret_key: 'rsec-not-the-right-one' }), [event('a'), globalState(1)]);
  t.equal(result.code, 2);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.equal(ofType(messages, 'STATE').length, 0);
  const trace = ofType(messages, 'TRACE')[0]?.trace.error;
  t.equal(trace?.failure_type, 'config_error');
  t.match(trace?.message, /Rokt refused the Event API v2 request with HTTP 401/);
  t.notOk(result.stdout.join('\n').includes('rsec-not-the-right-one'));
});

t.test('retries exhausted: TRACE transient_error, exit 3, no state for unacknowledged records', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v2/events', times: Number.POSITIVE_INFINITY, fault: { kind: 'status', status: 503 } });
  const result = await write(sim, simConfig(sim, ['v2'], { max_retries: 2 }), [event('a'), globalState(1)]);
  t.equal(result.code, 3);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.equal(ofType(messages, 'STATE').length, 0);
  t.match(ofType(messages, 'TRACE')[0]?.trace.error, { failure_type: 'transient_error', message: /failed after 3 attempts/ });
});

t.test('records of a stream that goes nowhere fail the run by default: no checkpoint passes over dropped data', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(sim, simConfig(sim, ['v2']), [event('a'), record('mystery', { a: 1 }), globalState(1)]);
  t.equal(result.code, 2, 'config_error');
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(ofType(messages, 'STATE'), [], 'no state');
  t.match(ofType(messages, 'TRACE')[0]?.trace.error, { failure_type: 'config_error', message: /Stream "mystery" is not routed to Rokt .* unrouted_streams is "fail"/ });
});

t.test('with unrouted_streams "reject", records of streams that go nowhere are counted as rejected, logged once, and the run goes on', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(sim, simConfig(sim, ['v2'], { unrouted_streams: 'reject' }), [record('mystery', { a: 1 }), record('mystery', { a: 2 }), event('a'), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(ofType(messages, 'STATE')[0]?.state.destinationStats, { recordCount: 1, rejectedRecordCount: 2 });
  t.equal(ofType(messages, 'LOG').filter((m) => /Stream "mystery" is not routed/.test(m.log.message)).length, 1);
});

t.test('bindings route a plain pipe without data activation; clientEventId from the primary key', async (t) => {
  const sim = await startSimulator(t);
  const config = simConfig(sim, ['v2'], {
    streams: { purchases: { object: 'event', columns: { mail: 'email', total: 'amount' }, constants: { eventType: 'conversion', conversiontype: 'purchase' }, client_event_id_from_primary_key: true, primary_key: ['order_id'] } },
  });
  const rows = [record('purchases', { order_id: 1, mail: 'a@b.co', total: 5, note: 'internal' }), record('purchases', { order_id: 2, mail: 'c@d.co', total: 7 })];
  const first = await write(sim, config, [...rows, globalState(1)], { catalog: { streams: [] } });
  t.equal(first.code, 0, first.stderr);
  const again = await write(sim, config, rows, { catalog: { streams: [] } });
  t.equal(again.code, 0);
  const ids = acceptedIds(sim);
  t.equal(ids.length, 4);
  t.equal(ids[0], ids[2], 'a replayed row carries the same clientEventId');
  t.match(ids[0], /^[0-9a-f-]{36}$/);
  const sent = sim.acceptedEvents[0]?.event as any;
  t.same(sent.objectData, [
    { name: 'conversiontype', value: 'purchase' },
    { name: 'emailsha256', value: sha256Hex('a@b.co') },
    { name: 'amount', value: '5' },
  ]);
});

t.test('STATE never goes out before Rokt has answered for every record before it (concurrent requests)', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 20 });
  // The first request is slow: later requests finish first, and the watermark must wait for it.
  sim.addFault({ clientEventId: 'r0', fault: { kind: 'delay', ms: 300 } });
  const input: unknown[] = [];
  const before: string[][] = [];
  const ids: string[] = [];
  for (let i = 0; i < 40; i += 1) {
    ids.push(`r${i}`);
    input.push(event(`r${i}`));
    if (i % 7 === 6) {
      input.push(globalState(i));
      before.push([...ids]);
    }
  }
  const dir = tempDir();
  const cli = new RunningCli(['write', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v2'], { batch_size: 3, concurrency: 4 })), '--catalog', writeJson(dir, 'k.json', catalog)]);
  let stateIndex = 0;
  const violations: string[] = [];
  cli.onLine = (line) => {
    if (!line.includes('"STATE"')) return;
    // At the moment the state is read, every record before it must have been answered by Rokt.
    const answered = new Set(sim.acceptedEvents.filter((a) => typeof sim.requests.find((r) => r.seq === a.requestSeq)?.status === 'number' && sim.requests.find((r) => r.seq === a.requestSeq)?.status !== 0).map((a) => a.clientEventId));
    const missing = (before[stateIndex] ?? []).filter((id) => !answered.has(id));
    if (missing.length) violations.push(`state ${stateIndex} emitted before ${missing.join(',')} was acknowledged`);
    stateIndex += 1;
  };
  cli.end(jsonl(input));
  const result = await cli.result();
  t.equal(result.code, 0, result.stderr);
  t.same(violations, []);
  const states = ofType(assertAirbyteMessages(t, result.stdout), 'STATE');
  t.same(states.map((s) => s.state.global.shared_state.cursor), [6, 13, 20, 27, 34], 'every state, in order');
  t.same(states.map((s) => s.state.destinationStats.recordCount), [7, 7, 7, 7, 7]);
});

t.test('unprocessedRecords that match no event of the request are reported, not silently dropped', async (t) => {
  const sim = await startSimulator(t);
  const body = { data: { unprocessedRecords: [{ error: { code: 'ValidationError', message: 'x' }, record: { clientEventId: 'ghost' } }] } };
  sim.addFault({ path: '/v2/events', fault: { kind: 'status', status: 200, body } });
  const result = await write(sim, simConfig(sim, ['v2']), [event('real'), globalState(1)]);
  t.equal(result.code, 0);
  const errors = ofType(assertAirbyteMessages(t, result.stdout), 'LOG').filter((m) => m.log.level === 'ERROR');
  t.match(errors[0]?.log.message, /Rokt reported 1 unprocessed records that match no clientEventId of the request/);
});
