import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { sha256Hex } from '../src/rules/normalize.js';
import type { Fault, RoktSimulator } from '../src/simulator/server.js';
import { jsonl, ROOT, RunningCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator, streamState } from './helpers/sim.js';

const MIXED_FAULTS: Fault[] = [
  { kind: 'status', status: 429, retryAfterSeconds: 0 },
  { kind: 'status', status: 429 },
  { kind: 'status', status: 500 },
  { kind: 'status', status: 502 },
  { kind: 'status', status: 503 },
  { kind: 'reset' },
  { kind: 'drop-after-processing' },
  { kind: 'unprocessed', clientEventIds: [] },
  { kind: 'status', status: 400 },
];
const catalog = { streams: [configuredStream('orders', 'event'), configuredStream('members', 'audience')] };
/**
 * Events the connector can know are in Rokt: accepted by a request answered 2xx, or by a request whose
 * answer was lost and whose retry (same Idempotency-Key) was answered 409.
 */
function acknowledgedIds(sim: RoktSimulator): Set<string> {
  const conflictKeys = new Set(sim.requests.filter((r) => r.status === 409).map((r) => r.headers['idempotency-key']));
  const acknowledged = new Set<number>();
  for (const request of sim.requests) {
    const ok = typeof request.status === 'number' && request.status >= 200 && request.status < 300;
    if (ok || (request.status === 'dropped' && conflictKeys.has(request.headers['idempotency-key']))) acknowledged.add(request.seq);
  }
  return new Set(sim.acceptedEvents.filter((a) => acknowledged.has(a.requestSeq)).map((a) => a.clientEventId));
}

interface Checked {
  violations: string[];
  states: Record<string, any>[];
  result: Awaited<ReturnType<RunningCli['result']>>;
  rejectedLines: Set<number>;
}

/**
 * Runs `write` and checks every STATE line at the moment it is printed: each record before it must
 * already be answered by the simulator (accepted) or rejected by the connector.
 */
async function runChecked(sim: RoktSimulator, config: Record<string, unknown>, input: Record<string, any>[]): Promise<Checked> {
  const dir = tempDir();
  const rejectedPath = join(dir, 'rejected.jsonl');
  const cli = new RunningCli(['write', '--config', writeJson(dir, 'c.json', { ...config, rejected_records_path: rejectedPath }), '--catalog', writeJson(dir, 'k.json', catalog)]);
  const violations: string[] = [];
  let stateNumber = 0;
  const stateLines = input.flatMap((message, index) => (message.type === 'STATE' ? [index] : []));
  cli.onLine = (line) => {
    if (!line.includes('"STATE"')) return;
    const upTo = stateLines[stateNumber] ?? input.length;
    const acceptedIds = acknowledgedIds(sim);
    for (let index = 0; index < upTo; index += 1) {
      const message = input[index] as Record<string, any>;
      if (message.type !== 'RECORD' || message.record.stream !== 'orders') continue;
      const id = message.record.data.clientEventId as string;
      if (!acceptedIds.has(id) && !rejectedSoFar(rejectedPath).has(index + 1)) violations.push(`state ${stateNumber} printed before record ${id} (line ${index + 1}) was acknowledged or rejected`);
    }
    stateNumber += 1;
  };
  cli.end(jsonl(input));
  const result = await cli.result();
  const states = ofType(assertAirbyteMessages(t, result.stdout), 'STATE');
  return { violations, states, result, rejectedLines: rejectedSoFar(rejectedPath) };
}

function rejectedSoFar(path: string): Set<number> {
  try {
    return new Set(readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).line as number));
  } catch {
    return new Set();
  }
}

function mixedInput(events: number, members: number, stateEvery: number): Record<string, any>[] {
  const input: Record<string, any>[] = [];
  const total = Math.max(events, members);
  for (let i = 0; i < total; i += 1) {
    if (i < events) input.push(record('orders', { clientEventId: `ev-${i}`, eventType: 'conversion', email: `buyer${i}@example.com`, amount: i }));
    if (i < members) input.push(record('members', { email: `member${i}@example.com` }));
    if (i % stateEvery === stateEvery - 1) input.push(i % (2 * stateEvery) === stateEvery - 1 ? streamState('orders', i) : globalState(i));
  }
  input.push(globalState('final'));
  return input;
}

for (const [label, credentials, seed] of [
  ['v1 events + v3 audiences', ['v1', 'v3'], 7],
  ['v2 events + 1.0 audiences', ['v2', '1.0'], 11],
] as const) {
  t.test(`30% mixed faults (${label}): nothing lost, states in order and only after acknowledgement`, async (t) => {
    const sim = await startSimulator(t, { latencyMs: 2 });
    sim.setRandomFaults({ seed, rate: 0.3, faults: MIXED_FAULTS });
    // Make sure at least one events answer is lost after Rokt processed the request.
    sim.addFault({ path: /^\/v[12]\/events$/, fault: { kind: 'drop-after-processing' } });
    const input = mixedInput(300, 200, 25);
    const { violations, states, result, rejectedLines } = await runChecked(sim, simConfig(sim, [...credentials], { batch_size: 10, audience_batch_size: 20, concurrency: 4, max_retries: 12 }), input);
    t.equal(result.code, 0, result.stderr + result.stdout.slice(-3).join('\n'));
    t.same(violations, [], 'no state ahead of Rokt');
    t.equal(states.length, input.filter((m) => m.type === 'STATE').length, 'every state echoed');
    // Every record is in Rokt or rejected with a reason; per window the counts add up.
    const accepted = new Set(sim.acceptedEvents.map((a) => a.clientEventId));
    const members = new Set([...sim.audienceMembers('members')]);
    let lost = 0;
    input.forEach((message, index) => {
      if (message.type !== 'RECORD') return;
      if (rejectedLines.has(index + 1)) return;
      if (message.record.stream === 'orders' && !accepted.has(message.record.data.clientEventId)) lost += 1;
      if (message.record.stream === 'members' && !members.has(sha256Hex(message.record.data.email))) lost += 1;
    });
    t.equal(lost, 0, 'no record lost');
    t.equal(members.size + [...rejectedLines].filter((line) => input[line - 1]?.record?.stream === 'members').length, 200, 'every member added or rejected');
    const counted = states.reduce((sum, s) => sum + s.state.destinationStats.recordCount + s.state.destinationStats.rejectedRecordCount, 0);
    const globalCounted = states.filter((s) => s.state.type === 'GLOBAL').reduce((sum, s) => sum + s.state.destinationStats.recordCount + s.state.destinationStats.rejectedRecordCount, 0);
    t.equal(globalCounted, 500, 'GLOBAL windows together cover every record');
    t.ok(counted >= 500);
    t.ok(sim.requests.some((r) => r.status === 'reset') && sim.requests.some((r) => r.status === 'dropped') && sim.requests.some((r) => r.status === 429), 'the faults really happened');
    if ((credentials as readonly string[]).includes('v1')) {
      const conflictKeys = new Set(sim.requests.filter((r) => r.status === 409).map((r) => r.headers['idempotency-key']));
      const droppedEvents = sim.requests.filter((r) => r.path === '/v1/events' && r.status === 'dropped');
      t.ok(droppedEvents.length > 0);
      t.ok(droppedEvents.every((r) => conflictKeys.has(r.headers['idempotency-key'])), `each of the ${droppedEvents.length} lost answers was retried with its key and answered 409`);
      const ids = sim.acceptedEvents.map((a) => a.clientEventId);
      t.equal(ids.length, new Set(ids).size, 'v1: no event accepted twice');
    } else {
      t.ok(sim.acceptedEvents.length >= accepted.size, 'v2: duplicates only as re-sent identical clientEventIds');
    }
  });
}

t.test('Singer mode under 30% faults: state values in order, each after its records', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 2 });
  sim.setRandomFaults({ seed: 3, rate: 0.3, faults: MIXED_FAULTS.filter((f) => f.kind !== 'unprocessed' && !(f.kind === 'status' && f.status === 400)) });
  const lines: unknown[] = [{ type: 'SCHEMA', stream: 's', key_properties: ['id'], schema: { properties: { id: { type: 'integer' } } } }];
  const before: number[] = [];
  for (let i = 1; i <= 200; i += 1) {
    lines.push({ type: 'RECORD', stream: 's', record: { id: i } });
    if (i % 20 === 0) {
      lines.push({ type: 'STATE', value: { upTo: i } });
      before.push(i);
    }
  }
  const dir = tempDir();
  const config = simConfig(sim, ['v1'], { batch_size: 7, concurrency: 4, max_retries: 12, streams: { s: { object: 'event', constants: { eventType: 't' }, client_event_id_from_primary_key: true } } });
  const cli = new RunningCli(['--config', writeJson(dir, 'c.json', config)], { bin: join(ROOT, 'dist/src/target-cli.js') });
  const acceptedWhenPrinted: number[] = [];
  cli.onLine = () => acceptedWhenPrinted.push(acknowledgedIds(sim).size);
  cli.end(jsonl(lines));
  const result = await cli.result();
  t.equal(result.code, 0, result.stderr);
  t.same(result.stdout.filter(Boolean).map((l) => JSON.parse(l).upTo), before);
  t.ok(acceptedWhenPrinted.every((count, i) => count >= (before[i] as number)), `acknowledged at each state: ${acceptedWhenPrinted.join(',')}`);
  t.equal(new Set(sim.acceptedEvents.map((a) => a.clientEventId)).size, 200);
});

t.test('retries exhausted: transient_error, exit 3, no state beyond what Rokt acknowledged', async (t) => {
  const sim = await startSimulator(t);
  const input = [record('orders', { clientEventId: 'a', eventType: 't' }), globalState(1), record('orders', { clientEventId: 'b', eventType: 't' }), globalState(2)];
  sim.addFault({ clientEventId: 'b', times: Number.POSITIVE_INFINITY, fault: { kind: 'status', status: 503 } });
  // One event per request, so the first state's record is acknowledged on its own.
  const { result, states } = await runChecked(sim, simConfig(sim, ['v2'], { max_retries: 3, batch_size: 1 }), input);
  t.equal(result.code, 3);
  t.same(states.map((s) => s.state.global.shared_state.cursor), [1], 'only the state Rokt fully acknowledged');
  t.match(ofType(assertAirbyteMessages(t, result.stdout), 'TRACE')[0]?.trace.error, { failure_type: 'transient_error', message: /failed after 4 attempts/ });
});

t.test('401 mid-run: config_error, exit 2, states only for what Rokt had acknowledged before', async (t) => {
  const sim = await startSimulator(t);
  const event = (id: string) => record('orders', { clientEventId: id, eventType: 't' });
  sim.addFault({ clientEventId: 'third', times: Number.POSITIVE_INFINITY, fault: { kind: 'status', status: 401 } });
  const input = [event('first'), globalState(1), event('second'), globalState(2), event('third'), globalState(3), event('fourth'), globalState(4)];
  const { result, states, violations } = await runChecked(sim, simConfig(sim, ['v2'], { concurrency: 1, batch_size: 1 }), input);
  t.equal(result.code, 2);
  t.same(violations, []);
  t.same(states.map((s) => s.state.global.shared_state.cursor), [1, 2]);
  t.match(ofType(assertAirbyteMessages(t, result.stdout), 'TRACE')[0]?.trace.error, { failure_type: 'config_error', message: /HTTP 401/ });
});

t.test('SIGTERM mid-run: stops reading, finishes in flight, emits only covered states, exits 143', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 150 });
  const dir = tempDir();
  const cli = new RunningCli(['write', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v2'], { batch_size: 2 })), '--catalog', writeJson(dir, 'k.json', catalog)]);
  const event = (id: string) => record('orders', { clientEventId: id, eventType: 't' });
  cli.write(jsonl([event('a'), event('b'), globalState(1), event('c')]));
  // stdin stays open: the connector is waiting for more input when the signal comes.
  await new Promise<void>((resolve) => sim.on('request', (r) => r.path === '/v2/events' && resolve()));
  cli.child.kill('SIGTERM');
  const result = await cli.result();
  t.equal(result.code, 143);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(ofType(messages, 'STATE').map((s) => s.state.destinationStats), [{ recordCount: 2, rejectedRecordCount: 0 }]);
  t.same(sim.acceptedEvents.map((e) => e.clientEventId).sort(), ['a', 'b', 'c'], 'what was read before the signal was still delivered');
  t.match(ofType(messages, 'TRACE')[0]?.trace.error, { failure_type: 'transient_error', message: /Interrupted by SIGTERM/ });
});

t.test('kill -9 mid-run, then a re-run from the last emitted state: everything delivered, duplicates only after that state', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 30 });
  const dir = tempDir();
  const config = writeJson(dir, 'c.json', simConfig(sim, ['v2'], { batch_size: 5, concurrency: 2 }));
  const catalogPath = writeJson(dir, 'k.json', catalog);
  const input: Record<string, any>[] = [];
  for (let i = 0; i < 200; i += 1) {
    input.push(record('orders', { clientEventId: `k-${i}`, eventType: 't' }));
    if (i % 10 === 9) input.push(globalState(i + 1));
  }
  const first = new RunningCli(['write', '--config', config, '--catalog', catalogPath]);
  first.child.stdin.on('error', () => undefined);
  first.write(jsonl(input));
  await first.waitForLine((line) => line.includes('"STATE"') && line.includes('"cursor":30'));
  first.child.kill('SIGKILL');
  await first.result();
  const emitted = first.stdout.filter((line) => line.includes('"STATE"')).map((line) => JSON.parse(line).state.global.shared_state.cursor as number);
  const resumeFrom = Math.max(...emitted);
  t.ok(resumeFrom >= 30 && resumeFrom < 200, `killed after state ${resumeFrom}`);
  const deliveredBefore = sim.acceptedEvents.map((e) => e.clientEventId);
  // The source resumes after the last state it saw: records resumeFrom.. again.
  const replay = input.filter((m) => m.type === 'STATE' ? m.state.global.shared_state.cursor > resumeFrom : Number(String(m.record.data.clientEventId).slice(2)) >= resumeFrom);
  const second = new RunningCli(['write', '--config', config, '--catalog', catalogPath]);
  second.end(jsonl(replay));
  t.equal((await second.result()).code, 0);
  const counts = new Map<string, number>();
  for (const e of sim.acceptedEvents) counts.set(e.clientEventId, (counts.get(e.clientEventId) ?? 0) + 1);
  t.equal(counts.size, 200, 'every record delivered at least once');
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => Number(id.slice(2)));
  t.ok(duplicated.every((i) => i >= resumeFrom), `duplicates only in the unacknowledged window (${duplicated.length} of them)`);
  t.ok(deliveredBefore.every((id) => counts.has(id)));
});
