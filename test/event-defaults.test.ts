import t from 'tap';
import { jsonl, runCli, tempDir, writeJson } from './helpers/cli.js';
import { configuredStream, globalState, record, simConfig, startSimulator } from './helpers/sim.js';

const now = () => new Date().toISOString();
const catalog = { streams: [configuredStream('orders', 'event')] };

async function write(config: Record<string, unknown>, input: unknown[]) {
  const dir = tempDir();
  return runCli(['write', '--config', writeJson(dir, 'config.json', config), '--catalog', writeJson(dir, 'catalog.json', catalog)], jsonl(input));
}

t.test('hash_pii false: event PII reaches Rokt unhashed but normalized; an invalid email is rejected alone', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(simConfig(sim, ['v2'], { hash_pii: false }), [
    record('orders', { clientEventId: 'e1', eventType: 'conversion', eventTime: now(), email: ' Jane.Doe @Example.COM ', mobile: '+1 (732) 757-2923', firstname: ' Mary Ann ' }),
    record('orders', { clientEventId: 'e2', eventType: 'conversion', eventTime: now(), email: 'jane at example' }),
    record('orders', { clientEventId: 'e3', eventType: 'conversion', eventTime: now() }),
    globalState(1),
  ]);
  t.equal(result.code, 0, result.stderr);
  t.same(
    sim.acceptedEvents.map((accepted) => accepted.clientEventId),
    ['e1', 'e3'],
    'the row with the invalid email did not take its request down',
  );
  t.same((sim.acceptedEvents[0]?.event as { objectData: unknown }).objectData, [
    { name: 'email', value: 'jane.doe@example.com' },
    { name: 'mobile', value: '7327572923' },
    { name: 'firstname', value: 'maryann' },
  ]);
  t.match(result.stdout.join('\n'), /line 2 field email: email is not a valid email address/);
  t.notOk(result.stdout.join('\n').includes('jane at example'), 'the rejected value is not logged');
});

t.test('eventType: from the row, else the config event_type, else conversion', async (t) => {
  const sim = await startSimulator(t);
  const rows = [record('orders', { clientEventId: 'typed', eventType: 'signup', eventTime: now() }), record('orders', { clientEventId: 'untyped', eventTime: now() }), globalState(1)];
  const byDefault = await write(simConfig(sim, ['v2']), rows);
  t.equal(byDefault.code, 0, byDefault.stderr);
  const configured = await write(simConfig(sim, ['v2'], { event_type: 'lead' }), rows);
  t.equal(configured.code, 0, configured.stderr);
  t.same(
    sim.acceptedEvents.map((accepted) => [accepted.clientEventId, accepted.event.eventType]),
    [
      ['typed', 'signup'],
      ['untyped', 'conversion'],
      ['typed', 'signup'],
      ['untyped', 'lead'],
    ],
  );
});
