import { join } from 'node:path';
import t from 'tap';
import { sha256Hex } from '../src/rules/normalize.js';
import type { RoktSimulator } from '../src/simulator/server.js';
import { jsonl, ROOT, RunningCli, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, simConfig, startSimulator } from './helpers/sim.js';

const TARGET = join(ROOT, 'dist/src/target-cli.js');
const now = () => new Date().toISOString();

const namespacedRecord = (stream: string, namespace: string | undefined, data: Record<string, unknown>) => ({
  type: 'RECORD',
  record: { stream, ...(namespace === undefined ? {} : { namespace }), data, emitted_at: 1764000000000 },
});
const inNamespace = (namespace: string, entry: ReturnType<typeof configuredStream>) => ({ ...entry, stream: { ...entry.stream, namespace } });

async function write(sim: RoktSimulator, config: Record<string, unknown>, catalog: unknown, input: unknown[]) {
  const dir = tempDir();
  return runCli(['write', '--config', writeJson(dir, 'config.json', config), '--catalog', writeJson(dir, 'catalog.json', catalog)], jsonl(input));
}

/** The id format of earlier versions, computed independently: sha256 of [stream name, ...key values] as a UUID shape. */
const legacyId = (parts: string[]) => {
  const hex = sha256Hex(JSON.stringify(parts));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

t.test('stream "public.orders" and stream orders in namespace public go where each is routed', async (t) => {
  const sim = await startSimulator(t);
  // The audience stream is listed first: with streams keyed by a joined "namespace.name", the
  // event stream listed after it took both names, and the audience row went out as an event.
  const catalog = { streams: [inNamespace('public', configuredStream('orders', 'audience')), configuredStream('public.orders', 'event')] };
  const result = await write(sim, simConfig(sim, ['v2', 'v3']), catalog, [
    namespacedRecord('orders', 'public', { email: 'member@example.com' }),
    namespacedRecord('public.orders', undefined, { clientEventId: 'e1', eventType: 'conversion', eventTime: now() }),
    globalState(1),
  ]);
  t.equal(result.code, 0, result.stderr);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(ofType(messages, 'STATE')[0]?.state.destinationStats, { recordCount: 2, rejectedRecordCount: 0 });
  t.same(
    sim.acceptedEvents.map((accepted) => accepted.clientEventId),
    ['e1'],
    'only the event stream sent an event',
  );
  t.same([...sim.audienceMembers('orders')], [sha256Hex('member@example.com')], 'the audience stream added its member');
});

t.test('a configured catalog listing a stream twice fails before any record is read', async (t) => {
  const sim = await startSimulator(t);
  const catalog = { streams: [inNamespace('public', configuredStream('orders', 'event')), inNamespace('public', configuredStream('orders', 'audience'))] };
  const result = await write(sim, simConfig(sim, ['v2', 'v3']), catalog, [namespacedRecord('orders', 'public', { clientEventId: 'e1', eventType: 'conversion' })]);
  t.equal(result.code, 2);
  const traces = ofType(assertAirbyteMessages(t, result.stdout), 'TRACE');
  t.match(traces[0]?.trace.error, { failure_type: 'config_error', message: /lists stream "orders" in namespace "public" more than once/ });
  t.equal(sim.requests.length, 0, 'nothing was sent');
});

t.test('streams named constructor, toString and __proto__ are routed like any other', async (t) => {
  const sim = await startSimulator(t);
  const names = ['constructor', 'toString', '__proto__'];
  const catalog = { streams: names.map((name) => configuredStream(name, 'event')) };
  const result = await write(sim, simConfig(sim, ['v2'], { debug_log_path: join(tempDir(), 'debug.jsonl'), unrouted_streams: 'reject' }), catalog, [
    ...names.map((name) => namespacedRecord(name, undefined, { clientEventId: `id-${name}`, eventType: 'conversion', eventTime: now() })),
    namespacedRecord('valueOf', undefined, { clientEventId: 'unrouted', eventType: 'conversion' }),
    globalState(1),
  ]);
  t.equal(result.code, 0, result.stdout.join('\n'));
  t.same(sim.acceptedEvents.map((accepted) => accepted.clientEventId).sort(), names.map((name) => `id-${name}`).sort());
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(ofType(messages, 'STATE')[0]?.state.destinationStats, { recordCount: 3, rejectedRecordCount: 1 }, 'a stream named valueOf with no route is not routed');
});

t.test('Singer: a re-sent SCHEMA with a new key applies only to records after it, however the input arrives', async (t) => {
  const sim = await startSimulator(t);
  const config = simConfig(sim, ['v2'], {
    streams: [{ stream: 'orders', object: 'event', constants: [{ field: 'eventType', value: 'purchase' }], client_event_id_from_primary_key: true }],
  });
  const schema = (keys: string[]) => ({ type: 'SCHEMA', stream: 'orders', key_properties: keys, schema: { properties: { id: { type: 'integer' }, region: { type: 'string' } } } });
  const row = (id: number, region: string) => ({ type: 'RECORD', stream: 'orders', record: { id, region } });
  const state = (n: number) => ({ type: 'STATE', value: { n } });
  // Each step ends with a STATE: the target prints it once Rokt has every record before it.
  const steps = [
    [schema(['id']), row(1, 'eu'), state(1)],
    [row(2, 'us'), state(2)],
    [schema(['id', 'region']), row(1, 'us'), state(3)],
    [row(2, 'eu'), state(4)],
  ];
  const expected = [legacyId(['orders', '1']), legacyId(['orders', '2']), legacyId(['orders', '1', 'us']), legacyId(['orders', '2', 'eu'])];
  const dir = tempDir();
  const configPath = writeJson(dir, 'config.json', config);

  const allAtOnce = new RunningCli(['--config', configPath], { bin: TARGET });
  allAtOnce.end(steps.map((messages) => jsonl(messages)).join(''));
  const whole = await allAtOnce.result();
  t.equal(whole.code, 0, whole.stderr);
  t.same(
    sim.acceptedEvents.map((accepted) => accepted.clientEventId),
    expected,
    'piped at once: each record used the key in force when it was read',
  );

  const firstRun = sim.acceptedEvents.length;
  const lineByLine = new RunningCli(['--config', configPath], { bin: TARGET });
  for (const [index, messages] of steps.entries()) {
    lineByLine.write(jsonl(messages));
    await lineByLine.waitForLine((line) => line === JSON.stringify({ n: index + 1 }));
  }
  lineByLine.end();
  const paced = await lineByLine.result();
  t.equal(paced.code, 0, paced.stderr);
  t.same(
    sim.acceptedEvents.slice(firstRun).map((accepted) => accepted.clientEventId),
    expected,
    'fed step by step, each step consumed before the next: the same ids',
  );
});
