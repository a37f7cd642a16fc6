import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { sha256Hex } from '../src/rules/normalize.js';
import { jsonl, ROOT, RunningCli, runCli, tempDir, writeJson } from './helpers/cli.js';
import { simConfig, startSimulator } from './helpers/sim.js';

const TARGET = join(ROOT, 'dist/src/target-cli.js');
// The Meltano SDK's standard target test inputs (origin and license: the folder's README.md).
const CONFORMANCE = join(ROOT, 'test/fixtures/meltano-sdk-target-tests');
const MUST_FAIL: Record<string, RegExp> = {
  'invalid_schema.singer': /SCHEMA for stream "test_invalid_schema" \(line 1\) has no "properties"/,
  'record_before_schema.singer': /RECORD for stream "test_record_before_schema" on line 1 arrived before the stream's SCHEMA/,
  'record_missing_key_property.singer': /Record on line 2 of stream "test_record_missing_key_property" lacks the key property "id"/,
};

const target = (args: string[], input = '', env: NodeJS.ProcessEnv = {}) => runCli(args, input, { bin: TARGET, env });

/** Binds every stream of a Singer file to events, deriving clientEventId from the key where there is one. */
function bindingsFor(lines: string[]): Record<string, unknown> {
  const keys = new Map<string, boolean>();
  for (const line of lines) {
    const message = JSON.parse(line);
    if (message.type !== 'SCHEMA') continue;
    const hasKey = Array.isArray(message.key_properties) && message.key_properties.length > 0;
    keys.set(message.stream, (keys.get(message.stream) ?? true) && hasKey);
  }
  return Object.fromEntries(
    [...keys].map(([stream, hasKey]) => [stream, { object: 'event', constants: { eventType: 'singer-test' }, unmapped_columns: 'custom_attributes', client_event_id_from_primary_key: hasKey }]),
  );
}

t.test('the Meltano SDK standard target inputs behave as the SDK expects', async (t) => {
  const sim = await startSimulator(t);
  const files = readdirSync(CONFORMANCE).filter((file) => file.endsWith('.singer'));
  t.equal(files.length, 20);
  for (const file of files) {
    const text = readFileSync(join(CONFORMANCE, file), 'utf8');
    const lines = text.split('\n').filter(Boolean);
    const dir = tempDir();
    const config = writeJson(dir, 'config.json', simConfig(sim, ['v2'], { streams: bindingsFor(lines) }));
    const result = await target(['--config', config], text);
    const expectedStates = lines.map((line) => JSON.parse(line)).filter((m) => m.type === 'STATE').map((m) => m.value);
    if (MUST_FAIL[file]) {
      t.not(result.code, 0, `${file} fails`);
      t.match(result.stderr, MUST_FAIL[file] as RegExp, `${file}: clear message`);
      t.match(result.stderr, /CRITICAL/);
      t.same(result.stdout.filter(Boolean), [], `${file}: nothing on stdout`);
    } else {
      t.equal(result.code, 0, `${file} loads: ${result.stderr.split('\n').find((l) => /CRITICAL/.test(l)) ?? ''}`);
      t.same(result.stdout.filter(Boolean).map((line) => JSON.parse(line)), expectedStates, `${file}: exactly its states, in order, on stdout`);
    }
  }
});

t.test('multiple_state_messages: states relayed in order, each after its records reached Rokt', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 15 });
  const text = readFileSync(join(CONFORMANCE, 'multiple_state_messages.singer'), 'utf8');
  const lines = text.split('\n').filter(Boolean);
  const dir = tempDir();
  const cli = new RunningCli(['--config', writeJson(dir, 'c.json', simConfig(sim, ['v2'], { streams: bindingsFor(lines) }))], { bin: TARGET });
  const acceptedAtState: number[] = [];
  cli.onLine = () => acceptedAtState.push(sim.acceptedEvents.length);
  cli.end(text);
  const result = await cli.result();
  t.equal(result.code, 0, result.stderr);
  t.same(result.stdout.filter(Boolean).map((line) => JSON.parse(line)), [
    { test_multiple_state_messages_a: 1, test_multiple_state_messages_b: 0 },
    { test_multiple_state_messages_a: 2, test_multiple_state_messages_b: 1 },
    { test_multiple_state_messages_a: 3, test_multiple_state_messages_b: 2 },
    { test_multiple_state_messages_a: 5, test_multiple_state_messages_b: 3 },
    { test_multiple_state_messages_a: 5, test_multiple_state_messages_b: 6 },
  ]);
  const recordsBefore = [1, 3, 5, 8, 11];
  t.ok(
    acceptedAtState.every((accepted, index) => accepted >= (recordsBefore[index] as number)),
    `at each state line Rokt already held every record before it (${acceptedAtState.join(',')})`,
  );
  t.equal(sim.acceptedEvents.length, 12, 'the record after the last state is delivered too');
});

t.test('Singer end to end: events and audiences via bindings, PII hashed, lossless state, logs on stderr', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = simConfig(sim, ['v1', 'v3'], {
    streams: {
      orders: { object: 'event', columns: { order_id: 'clientEventId', mail: 'email' }, constants: { eventType: 'conversion' } },
      members: { object: 'audience', audience_name: 'Loyal', columns: { mail: 'email' } },
    },
  });
  const input = [
    { type: 'SCHEMA', stream: 'orders', key_properties: ['order_id'], schema: { type: 'object', properties: { order_id: { type: 'string' }, mail: { type: 'string' }, total: { type: 'number' } } } },
    { type: 'SCHEMA', stream: 'members', key_properties: [], schema: { type: 'object', properties: { mail: { type: 'string' } } } },
    { type: 'RECORD', stream: 'orders', record: { order_id: 'o1', mail: 'Buyer@X.co', total: 3 } },
    { type: 'RECORD', stream: 'orders', record: { order_id: 'o2', mail: 'b@x.co', total: 'not a number' } },
    { type: 'RECORD', stream: 'members', record: { mail: 'fan@x.co' } },
  ];
  const text = jsonl(input) + '{"type":"STATE","value":{"bookmarks":{"orders":{"cursor":98765432109876543210}}}}\n';
  const result = await target(['--config', writeJson(dir, 'c.json', config)], text);
  t.equal(result.code, 0, result.stderr);
  t.same(result.stdout.filter(Boolean), ['{"bookmarks":{"orders":{"cursor":98765432109876543210}}}'], 'the state value alone, lossless');
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['o1']);
  t.same((sim.acceptedEvents[0]?.event as any).objectData, [{ name: 'emailsha256', value: sha256Hex('buyer@x.co') }]);
  t.same([...sim.audienceMembers('Loyal')], [sha256Hex('fan@x.co')]);
  t.match(result.stderr, /Rejected stream "orders" line 4 field total: does not match the stream's schema: total must be number/);
  t.match(result.stderr, /Sync summary: 3 records received, 2 accepted by Rokt, 1 rejected/);
  t.notOk(result.stderr.includes('Buyer@X.co') || result.stderr.includes('fan@x.co'), 'no raw PII in logs');
});

t.test('--about, --version, secrets from TARGET_ROKT_* variables, unbound streams', async (t) => {
  const about = await target(['--about', '--format', 'json']);
  t.equal(about.code, 0);
  const json = JSON.parse(about.stdout.join('\n'));
  t.equal(json.name, 'target-rokt');
  t.same(json.capabilities, ['about', 'batch']);
  t.equal(json.settings.properties.secret_key.airbyte_secret, true);
  const markdown = await target(['--about', '--format=markdown']);
  t.match(markdown.stdout.join('\n'), /^# `target-rokt`[\s\S]*## Settings[\s\S]*\| account_id \| False \|/);
  t.match((await target(['--version'])).stdout[0], /^target-rokt v\d+\.\d+\.\d+$/);

  const sim = await startSimulator(t);
  const dir = tempDir();
  const { secret_key: secret, ...withoutSecret } = simConfig(sim, ['v2'], { streams: { s: { object: 'event', constants: { eventType: 't' } } } });
  const input = jsonl([
    { type: 'SCHEMA', stream: 's', key_properties: [], schema: { properties: { clientEventId: { type: 'string' } } } },
    { type: 'SCHEMA', stream: 'other', key_properties: [], schema: { properties: {} } },
    { type: 'RECORD', stream: 's', record: { clientEventId: 'x1' } },
    { type: 'RECORD', stream: 'other', record: { a: 1 } },
    { type: 'STATE', value: { done: true } },
  ]);
  const result = await target(['--config', writeJson(dir, 'c.json', { ...withoutSecret, unrouted_streams: 'reject' })], input, { TARGET_ROKT_SECRET_KEY: secret as string });
  t.equal(result.code, 0, result.stderr);
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['x1'], 'secret key taken from the environment');
  t.match(result.stderr, /Stream "other" is not routed to Rokt/);
  t.notOk(result.stderr.includes(secret as string));
  const strict = await target(['--config', writeJson(dir, 'd.json', withoutSecret)], input, { TARGET_ROKT_SECRET_KEY: secret as string });
  t.equal(strict.code, 2, 'unrouted_streams is "fail" by default');
  t.match(strict.stderr, /CRITICAL.*Stream "other" is not routed.*unrouted_streams is "fail"/);
});

t.test('BATCH messages with local JSONL (gzip) files; other encodings refused clearly', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const file = join(dir, 'batch-1.jsonl.gz');
  writeFileSync(file, gzipSync('{"clientEventId":"b1"}\n{"clientEventId":"b2"}\n'));
  const config = writeJson(dir, 'c.json', simConfig(sim, ['v2'], { streams: { s: { object: 'event', constants: { eventType: 't' } } } }));
  const schema = { type: 'SCHEMA', stream: 's', key_properties: [], schema: { properties: { clientEventId: { type: 'string' } } } };
  const ok = await target(['--config', config], jsonl([schema, { type: 'BATCH', stream: 's', encoding: { format: 'jsonl', compression: 'gzip' }, manifest: [`file://${file}`] }, { type: 'STATE', value: 1 }]));
  t.equal(ok.code, 0, ok.stderr);
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['b1', 'b2']);
  t.same(ok.stdout.filter(Boolean), ['1']);
  const parquet = await target(['--config', config], jsonl([schema, { type: 'BATCH', stream: 's', encoding: { format: 'parquet' }, manifest: [] }]));
  t.equal(parquet.code, 1);
  t.match(parquet.stderr, /encoding format "parquet" with compression "none" is not supported/);
});
