import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { sha256Hex } from '../src/rules/normalize.js';
import { ROOT, runCli, tempDir, writeJson } from './helpers/cli.js';
import { simConfig, startSimulator } from './helpers/sim.js';

// Real taps' output kept by other projects (origins and licenses: the folder's README.md).
const TAPS = join(ROOT, 'test/fixtures/singer-taps');
const TARGET = join(ROOT, 'dist/src/target-cli.js');

const messagesOf = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
const statesOf = (text: string) => messagesOf(text).filter((message) => message.type === 'STATE').map((message) => message.value);
const objectData = (event: unknown) => Object.fromEntries((event as { objectData: { name: string; value: string }[] }).objectData.map((entry) => [entry.name, entry.value]));

/** Every stream an event, its key as clientEventId; other columns go along as custom attributes. */
const eventBindings = (streams: string[], extra: Record<string, unknown> = {}) =>
  Object.fromEntries(streams.map((stream) => [stream, { object: 'event', constants: { eventType: 'sync' }, client_event_id_from_primary_key: true, unmapped_columns: 'custom_attributes', ...extra }]));

async function load(t: Test, file: string, streams: Record<string, unknown>) {
  const sim = await startSimulator(t);
  const text = readFileSync(join(TAPS, file), 'utf8');
  const config = writeJson(tempDir(), 'config.json', simConfig(sim, ['v2'], { streams }));
  const result = await runCli(['--config', config], text, { bin: TARGET });
  t.equal(result.code, 0, `${file} loads: ${result.stderr.split('\n').find((line) => /CRITICAL|Rejected/.test(line)) ?? ''}`);
  t.same(result.stdout.filter(Boolean).map((line) => JSON.parse(line)), statesOf(text), `${file}: exactly its states, in order`);
  t.notMatch(result.stderr, /Rejected|skipped|CRITICAL/, `${file}: no record rejected, no line skipped`);
  return { sim, result };
}

t.test('pipelinewise tap-postgres: BIGINT bounds, recursive $ref definitions, ACTIVATE_VERSION, bookmarks', async (t) => {
  const { sim, result } = await load(t, 'pipelinewise-tap-postgres-valid-records.jsonl', eventBindings(['pg-valid-records']));
  t.equal(sim.acceptedEvents.length, 1);
  t.match(objectData(sim.acceptedEvents[0]?.event), { id: '52799009', time_created: '2019-12-17T11:40:15.296955+00:00' });
  t.match(result.stderr, /ACTIVATE_VERSION for stream "pg-valid-records" ignored/);
});

t.test('pipelinewise tap-mysql: three streams, nullable integers, _sdc_deleted_at, twelve states', async (t) => {
  const streams = ['tap_mysql_test-test_table_one', 'tap_mysql_test-test_table_two', 'tap_mysql_test-test_table_three'];
  // Deleted rows are sent here: mirror_deletes off (its default, on, is in beyond-peers.test.ts).
  const { sim } = await load(t, 'pipelinewise-tap-mysql-three-streams.jsonl', eventBindings(streams, { mirror_deletes: false }));
  t.equal(sim.acceptedEvents.length, 6);
  const deleted = sim.acceptedEvents.map((accepted) => objectData(accepted.event)).filter((data) => data._sdc_deleted_at !== undefined);
  t.same(
    deleted.map((data) => data._sdc_deleted_at),
    ['2019-02-12T01:10:10.000000Z', '2019-02-10T15:51:50.215998Z'],
    'with mirror_deletes off, _sdc_ columns travel like any other column',
  );
});

t.test('a Meltano SDK tap: draft 2020-12 $schema, required properties, 100 people into an audience', async (t) => {
  const text = readFileSync(join(TAPS, 'meltano-sdk-fake-people.jsonl'), 'utf8');
  const { sim } = await load(t, 'meltano-sdk-fake-people.jsonl', { people: { object: 'audience', audience_name: 'People' } });
  const emails = new Set(messagesOf(text).filter((message) => message.type === 'RECORD').map((message) => sha256Hex(String(message.record.email).toLowerCase())));
  t.equal(emails.size > 90, true);
  t.same([...sim.audienceMembers('People')].sort(), [...emails].sort(), 'every person, hashed');
});
