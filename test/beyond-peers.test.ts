/**
 * Beyond sending, end to end through the built CLIs against the simulator, on both API paths (the
 * legacy Event API v2 + Audience API v3, and the Event and Audience API): source deletes mirrored
 * into audiences, consent, click ids from landing URLs, identifier coverage in the summary.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { RoktSimulator } from '../src/simulator/server.js';
import { jsonl, ROOT, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { globalState, record, simConfig, startSimulator } from './helpers/sim.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const TARGET = join(ROOT, 'dist/src/target-cli.js');

type ApiPath = 'legacy' | 'mparticle';
const PATHS: ApiPath[] = ['legacy', 'mparticle'];

function configFor(path: ApiPath, sim: RoktSimulator, extra: Record<string, unknown>): Record<string, unknown> {
  if (path === 'legacy') return simConfig(sim, ['v2'], extra);
  const { apiKey, apiSecret } = sim.mparticle.credentials;
  return { mparticle_api_key: apiKey, mparticle_api_secret: apiSecret, mparticle_url: sim.url, retry_base_delay_ms: 1, retry_max_seconds: 30, ...extra };
}

/** The events Rokt received, by clientEventId: their fields as Rokt got them (click id included). */
function eventsAt(path: ApiPath, sim: RoktSimulator): Map<string, Record<string, unknown>> {
  if (path === 'legacy') {
    return new Map(sim.acceptedEvents.map(({ clientEventId, event }) => [clientEventId, Object.fromEntries((event.objectData as { name: string; value: string }[]).map(({ name, value }) => [name, value]))]));
  }
  return new Map(
    sim.mparticle.accepted
      .filter(({ batch }) => (batch.events as { data: { event_name: string } }[])[0]?.data.event_name !== 'audiencemembershipupdate')
      .map(({ batch }) => {
        const data = (batch.events as { data: { source_message_id: string; custom_attributes?: Record<string, unknown> } }[])[0]!.data;
        const clickId = (batch.integration_attributes as Record<string, Record<string, unknown>> | undefined)?.['1277']?.passbackconversiontrackingid;
        return [data.source_message_id, { ...data.custom_attributes, ...(clickId === undefined ? {} : { passbackconversiontrackingid: clickId }) }];
      }),
  );
}

/** An audience's members at Rokt: SHA-256 of the normalized email on both paths (hash_pii on). */
const membersAt = (path: ApiPath, sim: RoktSimulator, list: string) => (path === 'legacy' ? sim.audienceMembers(list) : sim.mparticle.audienceMembers(list));

async function write(config: Record<string, unknown>, input: unknown[]) {
  const dir = tempDir();
  const result = await runCli(['write', '--config', writeJson(dir, 'config.json', config)], jsonl(input));
  return { ...result, dir };
}

const logsOf = (stdout: string[]) => stdout.filter((line) => line.includes('"LOG"')).map((line) => JSON.parse(line).log.message as string);
const summaryOf = (lines: string[]) => JSON.parse(/(\{.*\})$/.exec(lines.find((line) => line.includes('Sync summary')) ?? '')?.[1] ?? '{}');
const rawBodies = (sim: RoktSimulator) => sim.requests.map((request) => request.rawBody).join('\n');

for (const path of PATHS) {
  t.test(`${path}: CDC deletes: an audience mirrors the source table; a deleted event row is not sent`, async (t) => {
    const sim = await startSimulator(t);
    const config = configFor(path, sim, {
      streams: [
        { stream: 'vips', object: 'audience', audience_name: 'VIP', action: 'include' },
        { stream: 'orders', object: 'event' },
      ],
    });
    const result = await write(config, [
      record('vips', { email: 'ann@example.com', _ab_cdc_deleted_at: null }),
      record('vips', { email: 'bob@example.com', _ab_cdc_deleted_at: null }),
      record('vips', { email: 'cy@example.com' }),
      record('orders', { clientEventId: 'e1', email: 'ann@example.com', _ab_cdc_deleted_at: null }),
      globalState(1),
      // The next incremental sync: bob's row was deleted, and so was order e2.
      record('vips', { email: 'bob@example.com', _ab_cdc_deleted_at: '2025-11-20T10:00:00Z' }),
      record('orders', { clientEventId: 'e2', email: 'bob@example.com', _ab_cdc_deleted_at: '2025-11-20T10:00:00Z' }),
      globalState(2),
    ]);
    t.equal(result.code, 0, result.stderr);
    const messages = assertAirbyteMessages(t, result.stdout);
    t.same(
      ofType(messages, 'STATE').map((state) => state.state.destinationStats),
      [
        { recordCount: 4, rejectedRecordCount: 0 },
        { recordCount: 1, rejectedRecordCount: 1 },
      ],
    );
    t.same([...membersAt(path, sim, 'VIP')].sort(), [sha('ann@example.com'), sha('cy@example.com')].sort(), 'the deleted person was removed, though the binding says include');
    t.same([...eventsAt(path, sim).keys()], ['e1'], 'the deleted order was not sent');
    const summary = summaryOf(logsOf(result.stdout));
    t.equal(summary.deleted_in_source, 2);
    t.same([summary.streams.vips.deleted_in_source, summary.streams.orders.deleted_in_source], [1, 1]);
    t.same(summary.streams.orders.rejected_by_reason, { 'deleted in the source': 1 });
    t.match(logsOf(result.stdout).join('\n'), /Rejected stream "orders" line 7: deleted in the source/);
  });

  t.test(`${path}: consent: rows without it are never sent, are rejected as "no consent" (hashed copy) and counted apart`, async (t) => {
    const sim = await startSimulator(t);
    const dir = tempDir();
    const rejectedPath = join(dir, 'rejected.jsonl');
    const config = configFor(path, sim, {
      rejected_records_path: rejectedPath,
      streams: [
        { stream: 'orders', object: 'event', consent_column: 'marketing_ok', columns: [{ column: 'mail', field: 'email' }] },
        { stream: 'vips', object: 'audience', audience_name: 'VIP', consent_column: 'gdpr', consent_values: ['opt-in'] },
      ],
    });
    const result = await write(config, [
      record('orders', { clientEventId: 'e1', mail: 'ann@example.com', marketing_ok: true }),
      record('orders', { clientEventId: 'e2', mail: 'bob@example.com', marketing_ok: 'no' }),
      record('orders', { clientEventId: 'e3', mail: 'cy@example.com' }),
      record('orders', { clientEventId: 'e4', mail: 'di@example.com', marketing_ok: 'Granted' }),
      record('vips', { email: 'ann@example.com', gdpr: 'Opt-In' }),
      record('vips', { email: 'bob@example.com', gdpr: 'yes' }),
      globalState(1),
    ]);
    t.equal(result.code, 0, result.stderr);
    t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 3, rejectedRecordCount: 3 });
    t.same([...eventsAt(path, sim).keys()].sort(), ['e1', 'e4']);
    t.same([...membersAt(path, sim, 'VIP')], [sha('ann@example.com')]);
    t.notOk(/bob|cy@|cy%40/.test(rawBodies(sim)), 'nothing of the rows without consent reached Rokt, not even hashed');
    t.notOk(rawBodies(sim).includes(sha('bob@example.com')) || rawBodies(sim).includes(sha('cy@example.com')));
    const rejected = readFileSync(rejectedPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    t.same(
      rejected.map((row) => [row.stream, row.line, row.reason, row.record]),
      [
        ['orders', 2, 'no consent', { clientEventId: 'e2', email: sha('bob@example.com') }],
        ['orders', 3, 'no consent', { clientEventId: 'e3', email: sha('cy@example.com') }],
        ['vips', 6, 'no consent', { email: sha('bob@example.com') }],
      ],
      'only what the binding maps, PII hashed; the consent column itself is not copied',
    );
    const logs = logsOf(result.stdout);
    const summary = summaryOf(logs);
    t.same([summary.no_consent, summary.streams.orders.no_consent, summary.streams.vips.no_consent, summary.rejected], [3, 2, 1, 3]);
    t.match(logs.find((line) => line.includes('Sync summary')), /3 rejected \(3 without consent\)/);
  });

  t.test(`${path}: click ids from landing URLs: rtid, else rclid; the row's own id wins; malformed URLs warned once per stream, never fatal`, async (t) => {
    const sim = await startSimulator(t);
    const config = configFor(path, sim, { streams: [{ stream: 'orders', object: 'event', columns: [{ column: 'page', field: 'landing_url' }] }] });
    const result = await write(config, [
      record('orders', { clientEventId: 'e1', email: 'ann@example.com', page: 'https://shop.example.com/welcome?utm_source=rokt&rtid=Rt-1_AbC' }),
      record('orders', { clientEventId: 'e2', email: 'bob@example.com', page: 'https://shop.example.com/?rclid=Rc-2' }),
      record('orders', { clientEventId: 'e3', email: 'cy@example.com', page: 'https://shop.example.com/?rtid=FromUrl', passbackconversiontrackingid: 'Own-3' }),
      record('orders', { clientEventId: 'e4', email: 'di@example.com', page: 'shop example com ?rtid=X' }),
      record('orders', { clientEventId: 'e5', email: 'ed@example.com', page: 'https://bad host.example.com/?rtid=Y' }),
      record('orders', { clientEventId: 'e6', email: 'fy@example.com', page: '/landing?email=fy@example.com' }),
      globalState(1),
    ]);
    t.equal(result.code, 0, result.stderr);
    t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 6, rejectedRecordCount: 0 });
    const events = eventsAt(path, sim);
    t.same(
      ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((id) => events.get(id)?.passbackconversiontrackingid),
      ['Rt-1_AbC', 'Rc-2', 'Own-3', undefined, undefined, undefined],
    );
    t.notOk(/shop|landing|fy@example/.test(rawBodies(sim)), 'the landing URL itself never left the process');
    const warnings = logsOf(result.stdout).filter((line) => line.includes('landing_url'));
    t.same(warnings, ['Stream "orders": a landing_url is not a URL (nor a path beginning with "/"), so its row was sent without a click id from it; later rows like it in this stream are not reported (first at line 4)']);
  });

  t.test(`${path}: identifier coverage per stream in the summary JSON; one warning for the stream short of strong identifiers`, async (t) => {
    const sim = await startSimulator(t);
    const config = configFor(path, sim, {
      streams: [
        { stream: 'orders', object: 'event', columns: [{ column: 'cust', field: 'customerid' }] },
        { stream: 'vips', object: 'audience', audience_name: 'VIP' },
      ],
    });
    const result = await write(config, [
      record('orders', { clientEventId: 'e1', email: 'ann@example.com', cust: 'c1' }),
      record('orders', { clientEventId: 'e2', cust: 'c2', mobile: '(732) 757-2923' }),
      record('orders', { clientEventId: 'e3', cust: 'c3', androiduuid: 'dev-3' }),
      record('orders', { clientEventId: 'e4', passbackconversiontrackingid: '   ', iosidfv: '' }),
      record('vips', { email: 'ann@example.com' }),
      record('vips', { emailsha256: sha('bob@example.com') }),
      globalState(1),
    ]);
    t.equal(result.code, 0, result.stderr);
    const logs = logsOf(result.stdout);
    t.same(summaryOf(logs).identifier_coverage, {
      orders: { rows: 4, with_strong_identifier: 1, email: 1, emailsha256: 0, mobile: 1, click_id: 0, customer_id: 3, device_id: 1 },
      vips: { rows: 2, with_strong_identifier: 2, email: 1, emailsha256: 1, mobile: 0, click_id: 0, customer_id: 0, device_id: 0 },
    });
    const warnings = logs.filter((line) => line.includes('strong identifier'));
    t.equal(warnings.length, 1, 'once, for orders only');
    t.match(warnings[0], /^Stream "orders": only 1 of 4 rows \(25%\) carried a strong identifier/);
  });
}

t.test('Singer target: a log-based tap’s _sdc_deleted_at removes the person; a binding’s deleted_column replaces it', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = writeJson(
    dir,
    'config.json',
    simConfig(sim, ['v3'], {
      streams: [
        { stream: 'members', object: 'audience', audience_name: 'VIP' },
        { stream: 'flags', object: 'audience', audience_name: 'Flags', deleted_column: 'is_deleted' },
      ],
    }),
  );
  const schema = (stream: string, properties: Record<string, unknown>) => ({ type: 'SCHEMA', stream, key_properties: ['email'], schema: { properties } });
  const input = [
    schema('members', { email: { type: 'string' }, _sdc_deleted_at: { type: ['null', 'string'], format: 'date-time' } }),
    schema('flags', { email: { type: 'string' }, is_deleted: { type: 'boolean' }, _sdc_deleted_at: { type: ['null', 'string'] } }),
    { type: 'RECORD', stream: 'members', record: { email: 'ann@example.com', _sdc_deleted_at: null } },
    { type: 'RECORD', stream: 'members', record: { email: 'bob@example.com', _sdc_deleted_at: null } },
    { type: 'RECORD', stream: 'flags', record: { email: 'ann@example.com', is_deleted: false } },
    { type: 'RECORD', stream: 'flags', record: { email: 'bob@example.com', is_deleted: false } },
    { type: 'STATE', value: { bookmark: 1 } },
    { type: 'RECORD', stream: 'members', record: { email: 'bob@example.com', _sdc_deleted_at: '2025-11-20T10:00:00.000000Z' } },
    { type: 'RECORD', stream: 'flags', record: { email: 'bob@example.com', is_deleted: true } },
    { type: 'RECORD', stream: 'flags', record: { email: 'ann@example.com', is_deleted: false, _sdc_deleted_at: '2025-11-20T10:00:00Z' } },
    { type: 'STATE', value: { bookmark: 2 } },
  ];
  const result = await runCli(['--config', config], jsonl(input), { bin: TARGET });
  t.equal(result.code, 0, result.stderr);
  t.same(result.stdout.filter(Boolean), ['{"bookmark":1}', '{"bookmark":2}']);
  t.same([...sim.audienceMembers('VIP')], [sha('ann@example.com')]);
  t.same([...sim.audienceMembers('Flags')], [sha('ann@example.com')], 'is_deleted decides; _sdc_deleted_at no longer does');
  t.match(result.stderr, /"deleted_in_source":2/);
});

t.test('Singer target, real pipelinewise tap-mysql output: the rows it marks _sdc_deleted_at are not sent as events', async (t) => {
  const sim = await startSimulator(t);
  const text = readFileSync(join(ROOT, 'test/fixtures/singer-taps/pipelinewise-tap-mysql-three-streams.jsonl'), 'utf8');
  const streams = ['tap_mysql_test-test_table_one', 'tap_mysql_test-test_table_two', 'tap_mysql_test-test_table_three'];
  const bindings = streams.map((stream) => ({ stream, object: 'event', constants: [{ field: 'eventType', value: 'sync' }], client_event_id_from_primary_key: true }));
  const result = await runCli(['--config', writeJson(tempDir(), 'config.json', simConfig(sim, ['v2'], { streams: bindings }))], text, { bin: TARGET });
  t.equal(result.code, 0, result.stderr);
  t.equal(sim.acceptedEvents.length, 4, 'six rows, two of them deleted in MySQL');
  t.match(result.stderr, /Rejected stream "tap_mysql_test-test_table_two" line 11: deleted in the source/);
  t.match(result.stderr, /Rejected stream "tap_mysql_test-test_table_three" line 21: deleted in the source/);
  t.match(result.stderr, /"deleted_in_source":2/);
  const states = text.split('\n').filter(Boolean).map((line) => JSON.parse(line)).filter((message) => message.type === 'STATE').map((message) => message.value);
  t.same(result.stdout.filter(Boolean).map((line) => JSON.parse(line)), states, 'every state still printed, in order');
});

t.test('Singer target: a landing URL never reaches the rejected-records file, whatever rejected its row', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const rejectedPath = join(dir, 'rejected.jsonl');
  const config = writeJson(dir, 'config.json', simConfig(sim, ['v2'], { rejected_records_path: rejectedPath, streams: [{ stream: 'orders', object: 'event', consent_column: 'ok' }] }));
  const input = [
    { type: 'SCHEMA', stream: 'orders', key_properties: [], schema: { properties: { clientEventId: { type: 'string' }, amount: { type: 'number' }, landing_url: { type: 'string' }, ok: { type: 'boolean' } } } },
    { type: 'RECORD', stream: 'orders', record: { clientEventId: 'e1', amount: 'not a number', landing_url: 'https://shop.example.com/?rtid=T1', ok: true } },
    { type: 'RECORD', stream: 'orders', record: { clientEventId: 'e2', landing_url: 'https://shop.example.com/?rtid=T2', ok: false } },
    { type: 'RECORD', stream: 'orders', record: { landing_url: 'https://shop.example.com/?rtid=T3', ok: true } },
    { type: 'RECORD', stream: 'orders', record: { clientEventId: 'e4', landing_url: 'https://shop.example.com/?rtid=T4', ok: true } },
    { type: 'STATE', value: 1 },
  ];
  const result = await runCli(['--config', config], jsonl(input), { bin: TARGET });
  t.equal(result.code, 0, result.stderr);
  const rejected = readFileSync(rejectedPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  t.same(rejected.map((row) => row.line), [2, 3, 4]);
  t.match(rejected[0], { field: 'amount' }, 'line 2: its SCHEMA refused it');
  t.same([rejected[1].reason, rejected[2].reason], ['no consent', 'clientEventId is required']);
  t.notOk(readFileSync(rejectedPath, 'utf8').includes('shop.example'), 'schema, consent and mapping rejections alike leave the URL out');
  t.same(sim.acceptedEvents.map(({ event }) => event.objectData), [[{ name: 'passbackconversiontrackingid', value: 'T4' }]]);
});

t.test('discover publishes landing_url among the event fields', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const result = await runCli(['discover', '--config', writeJson(dir, 'config.json', simConfig(sim, ['v2']))]);
  t.equal(result.code, 0, result.stderr);
  const catalog = ofType(assertAirbyteMessages(t, result.stdout), 'DESTINATION_CATALOG')[0]?.destination_catalog;
  const event = catalog.operations.find((operation: { object_name: string }) => operation.object_name === 'event');
  t.match(event.json_schema.properties.landing_url.description, /click id is taken from its `rtid` \(else `rclid`\)/);
});
