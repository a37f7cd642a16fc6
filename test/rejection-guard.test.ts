import t from 'tap';
import type { RoktSimulator } from '../src/simulator/server.js';
import { jsonl, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator } from './helpers/sim.js';

const catalog = { streams: [configuredStream('orders', 'event')] };

async function write(sim: RoktSimulator, overrides: Record<string, unknown>, input: unknown[]) {
  const dir = tempDir();
  return runCli(['write', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v2'], overrides)), '--catalog', writeJson(dir, 'k.json', catalog)], jsonl(input));
}

/** `bad` of `total` rows lack a clientEventId (a column bound to the wrong field), then a state. */
const rows = (total: number, bad: number) => [
  ...Array.from({ length: total }, (_, index) => record('orders', index < bad ? { order: index } : { clientEventId: `e${index}`, eventType: 't' })),
  globalState(1),
];

t.test('a window where nearly every row is rejected stops the run before its STATE', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(sim, {}, rows(200, 190));
  t.equal(result.code, 2, 'config_error');
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(ofType(messages, 'STATE'), [], 'the checkpoint does not move past the rejected rows');
  t.match(ofType(messages, 'TRACE')[0]?.trace.error, {
    failure_type: 'config_error',
    message: /^190 of the 200 rows before a checkpoint were rejected \(max_rejected_ratio 0\.9\).*Top reasons: clientEventId is required \(190\)\./,
  });
});

t.test('healthy syncs, small windows, and max_rejected_ratio 1 pass the guard', async (t) => {
  const sim = await startSimulator(t);
  const healthy = await write(sim, {}, rows(200, 20));
  t.equal(healthy.code, 0, healthy.stderr);
  t.equal(ofType(assertAirbyteMessages(t, healthy.stdout), 'STATE').length, 1);
  const few = await write(sim, {}, rows(50, 50));
  t.equal(few.code, 0, 'fewer rows than min_records_for_ratio are not judged');
  const off = await write(sim, { max_rejected_ratio: 1 }, rows(200, 200));
  t.equal(off.code, 0, '1 turns the guard off');
  t.same(ofType(assertAirbyteMessages(t, off.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 0, rejectedRecordCount: 200 });
});

t.test('windows smaller than min_records_for_ratio are judged together', async (t) => {
  const sim = await startSimulator(t);
  const input = Array.from({ length: 120 }, (_, index) => [record('orders', { order: index }), globalState(index)]).flat();
  const result = await write(sim, {}, input);
  t.equal(result.code, 2);
  const states = ofType(assertAirbyteMessages(t, result.stdout), 'STATE');
  t.equal(states.length, 99, 'the states before the 100th rejected row went out; none after');
});

t.test('rows deleted in the source are refused on purpose: they do not trip the guard', async (t) => {
  const sim = await startSimulator(t);
  const input = [
    ...Array.from({ length: 150 }, (_, index) => record('orders', { clientEventId: `d${index}`, eventType: 't', _ab_cdc_deleted_at: '2026-11-01T00:00:00Z' })),
    ...Array.from({ length: 10 }, (_, index) => record('orders', { clientEventId: `e${index}`, eventType: 't' })),
    globalState(1),
  ];
  const result = await write(sim, {}, input);
  t.equal(result.code, 0, result.stderr);
  t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 10, rejectedRecordCount: 150 });
});
