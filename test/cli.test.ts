import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT, jsonl, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType, validateConfiguredCatalog } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator } from './helpers/sim.js';

t.test('spec prints one SPEC equal to spec.json, with every secret marked', async (t) => {
  const result = await runCli(['spec']);
  t.equal(result.code, 0);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.equal(messages.length, 1);
  const spec = messages[0]?.spec;
  t.same(spec, JSON.parse(readFileSync(join(ROOT, 'spec.json'), 'utf8')), 'spec.json is the printed spec (run `npm run spec:update`)');
  const properties = spec.connectionSpecification.properties;
  for (const name of ['secret_key', 'app_id', 'app_secret', 'api_key']) t.equal(properties[name].airbyte_secret, true, `${name} is secret`);
  // account_id is required only where a legacy API is used (the Event and Audience API has none): checked on load.
  t.equal(spec.connectionSpecification.required, undefined);
  t.equal(properties.api_url.default, 'https://api.rokt.com');
  t.equal(properties.audience_api_url.default, 'https://data.rokt.com');
  t.equal(properties.hash_pii.default, true);
  t.equal(properties.unrouted_streams.default, 'fail');
  t.equal(properties.event_type.default, 'conversion');
});

t.test('--help, -h and help print the usage, listing every flag, and exit 0', async (t) => {
  for (const args of [['--help'], ['-h'], ['help'], ['write', '--help']]) {
    const result = await runCli(args);
    t.equal(result.code, 0, args.join(' '));
    const usage = result.stdout.join('\n');
    t.match(usage, /^Usage: destination-rokt spec/);
    for (const flag of ['--config FILE', '--catalog FILE', '--dry-run', '--help']) t.ok(usage.includes(flag), `${args.join(' ')} lists ${flag}`);
    for (const command of ['spec', 'check', 'discover', 'write']) t.match(usage, new RegExp(`destination-rokt ${command}`));
    t.equal(result.stderr, '');
  }
});

t.test('a flag that looks like a known one is a config error; unrelated unknown flags are tolerated', async (t) => {
  const dir = tempDir();
  const config = writeJson(dir, 'c.json', { account_id: '1', public_key: 'rpub-x', secret_key: 'rsec-x' });
  for (const [flag, meant] of [
    ['--dryrun', '--dry-run'],
    ['--dry_run', '--dry-run'],
    ['--DRY-RUN', '--dry-run'],
    ['-dry-run', '--dry-run'],
    ['--catalgo', '--catalog'],
    ['--confg', '--config'],
  ] as const) {
    const result = await runCli(['write', '--config', config, flag], jsonl([record('s', { a: 1 })]));
    t.equal(result.code, 2, flag);
    const trace = ofType(assertAirbyteMessages(t, result.stdout), 'TRACE')[0]?.trace.error;
    t.match(trace, { failure_type: 'config_error', message: `Unknown flag ${flag}: did you mean ${meant}?` });
  }
  const tolerated = await runCli(['--debug', 'spec', '--verbose']);
  t.equal(tolerated.code, 0);
  const messages = assertAirbyteMessages(t, tolerated.stdout);
  t.equal(ofType(messages, 'SPEC').length, 1);
  t.same(ofType(messages, 'LOG').map((m) => m.log), [{ level: 'WARN', message: 'Ignored, destination-rokt does not know: --verbose (destination-rokt --help lists the commands and flags)' }], "--debug (the Python CDK's) silently, --verbose with a warning");
});

t.test('missing, unreadable or invalid config files are config errors for discover and write, not stack traces', async (t) => {
  const dir = tempDir();
  const notJson = join(dir, 'bad.json');
  writeFileSync(notJson, '{"account_id": "1", "secret_key": "rsec-do-not-print" ');
  for (const [args, pattern] of [
    [['discover', '--config', notJson], /is not valid JSON: line 1, column \d+: /],
    [['write', '--config', dir], /Cannot read the config file .*: it is a folder/],
    [['discover'], /Missing --config FILE/],
    [['frobnicate'], /Unknown command "frobnicate"/],
    [[], /No command given/],
  ] as const) {
    const result = await runCli([...args]);
    t.equal(result.code, 2, `${args.join(' ')} exits 2`);
    const traces = ofType(assertAirbyteMessages(t, result.stdout), 'TRACE');
    t.equal(traces.length, 1);
    t.equal(traces[0]?.trace.error.failure_type, 'config_error');
    t.match(traces[0]?.trace.error.message, pattern);
    t.notOk(result.stdout.join('\n').includes('do-not-print'), 'the config bytes are not quoted');
    t.equal(result.stderr, '', 'nothing on stderr');
  }
});

t.test('discover prints the destination catalog; an event needs only clientEventId', async (t) => {
  const dir = tempDir();
  const result = await runCli(['discover', '--config', writeJson(dir, 'config.json', { account_id: '1', public_key: 'rpub-x', secret_key: 'rsec-x' })]);
  t.equal(result.code, 0);
  const [message] = assertAirbyteMessages(t, result.stdout);
  t.equal(message?.type, 'DESTINATION_CATALOG');
  const operations = message?.destination_catalog.operations as any[];
  t.same(
    operations.map((op) => [op.object_name, op.sync_mode]),
    [
      ['event', 'append'],
      ['audience', 'append'],
      ['audience', 'soft_delete'],
    ],
  );
  const event = operations[0].json_schema;
  // Data activation refuses a connection unless every required field is mapped from a column: eventType has a config default.
  t.same(event.required, ['clientEventId']);
  t.match(event.properties.eventType.description, /event_type/);
  for (const field of ['clientEventId', 'eventType', 'eventTime', 'email', 'emailsha256', 'mobile', 'amount', 'currency', 'passbackconversiontrackingid']) t.ok(event.properties[field]?.description, `event.${field}`);
  t.same(operations[1].matching_keys, [['email'], ['emailsha256']]);
  t.same(Object.keys(operations[1].json_schema.properties), ['email', 'emailsha256', 'list', '_ab_cdc_deleted_at']);
});

t.test('config validation names the property as written and the problem in the connector’s words', async (t) => {
  const dir = tempDir();
  const result = await runCli(['discover', '--config', writeJson(dir, 'c.json', { account_id: '1', api_url: 'http://api.example.com', public_key: 'rpub-x', streams: { s: { object: 'pigeon' } } })]);
  t.equal(result.code, 2);
  const message = ofType(assertAirbyteMessages(t, result.stdout), 'TRACE')[0]?.trace.error.message as string;
  t.match(message, /api_url: must be an https:\/\/ URL/);
  t.match(message, /streams\."s"\.object: must be one of "event", "audience"/);
  const unpaired = await runCli(['discover', '--config', writeJson(dir, 'd.json', { account_id: '1', public_key: 'rpub-x' })]);
  t.match(ofType(assertAirbyteMessages(t, unpaired.stdout), 'TRACE')[0]?.trace.error.message, /secret_key: is required with public_key/);
  const warned = await runCli(['discover', '--config', writeJson(dir, 'e.json', { account_id: '1', public_key: 'rpub-x', secret_key: 'rsec-x', comment: 'mine' })]);
  t.equal(warned.code, 0);
  t.same(ofType(assertAirbyteMessages(t, warned.stdout), 'LOG').map((m) => m.log), [{ level: 'WARN', message: 'Config comment: unknown setting, ignored' }]);
});

t.test('catalog.sample.json is a valid configured catalog with an events and an audience stream', async (t) => {
  const catalog = JSON.parse(readFileSync(join(ROOT, 'catalog.sample.json'), 'utf8'));
  t.ok(validateConfiguredCatalog(catalog), 'valid ConfiguredAirbyteCatalog');
  t.same(catalog.streams.map((s: any) => s.destination_object_name).sort(), ['audience', 'event']);
});

t.test('check against the simulator: every credential set succeeds, account_id verified, nothing written', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const result = await runCli(['check', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v1', 'v3', '1.0']))]);
  t.equal(result.code, 0);
  const [status] = assertAirbyteMessages(t, result.stdout);
  t.equal(status?.connectionStatus.status, 'SUCCEEDED');
  t.match(status?.connectionStatus.message, /app_id\/app_secret with account_id .*OK.*public_key\/secret_key with account_id .*OK.*api_key .*OK/);
  t.same(
    sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`).sort(),
    ['GET /api/1.0/auth-check 200', 'POST /auth/oauth2/token 200', 'POST /v1/events 400', 'POST /v3/auth-check 200'],
    'one token, one empty events request (refused for being empty), one auth-check per audience credential',
  );
  t.equal(sim.acceptedEvents.length, 0, 'no event written');
  const v2 = await runCli(['check', '--config', writeJson(dir, 'v2.json', simConfig(sim, ['v2']))]);
  t.match(assertAirbyteMessages(t, v2.stdout)[0]?.connectionStatus, { status: 'SUCCEEDED', message: /Event API v2.*OK.*Audience API v3 auth-check\): OK/ });
  t.ok(sim.requests.some((r) => r.path === '/v2/events' && r.status === 400), 'the key pair and account were tried on the Event API too');
});

t.test('check names the credential that failed and what Rokt answered, exit 0, no secret printed', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = { ...simConfig(sim, ['v1', 'v3']), app_secret: 'WRONG-app-secret-value', secret_key: 'rsec-WRONG-secret-value' };
  const result = await runCli(['check', '--config', writeJson(dir, 'c.json', config)]);
  t.equal(result.code, 0);
  const [status] = assertAirbyteMessages(t, result.stdout);
  t.equal(status?.connectionStatus.status, 'FAILED');
  t.match(status?.connectionStatus.message, /app_id\/app_secret .*failed: the OAuth token endpoint answered HTTP 401/);
  t.match(status?.connectionStatus.message, /public_key\/secret_key .*failed: Rokt answered HTTP 401/);
  const everything = result.stdout.join('\n') + result.stderr;
  t.notOk(everything.includes('WRONG-app-secret-value') || everything.includes('rsec-WRONG-secret-value'), 'no secret in the output');
});

t.test('check verifies account_id wherever an API takes it (Event API v1 and v2, Audience API v3)', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  for (const credentials of [['v1'], ['v2'], ['v3']] as const) {
    const result = await runCli(['check', '--config', writeJson(dir, 'a.json', simConfig(sim, [...credentials], { account_id: '999' }))]);
    t.equal(result.code, 0);
    const status = assertAirbyteMessages(t, result.stdout)[0]?.connectionStatus;
    t.equal(status?.status, 'FAILED', credentials[0]);
    t.match(status?.message, /with account_id .*failed: Rokt answered HTTP 403 \(Forbidden.*\): these credentials may not be used with this account_id/, credentials[0]);
  }
  t.equal(sim.acceptedEvents.length, 0);
});

t.test('check: no credentials, unreachable Rokt, output files that cannot be written, unknown keys', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const none = await runCli(['check', '--config', writeJson(dir, 'b.json', { account_id: '1' })]);
  t.match(assertAirbyteMessages(t, none.stdout)[0]?.connectionStatus, { status: 'FAILED', message: /No Rokt credentials/ });
  const unreachable = await runCli(['check', '--config', writeJson(dir, 'c.json', { account_id: '1', api_key: 'k-123', audience_api_url: 'http://127.0.0.1:1' })]);
  t.equal(unreachable.code, 0);
  t.match(assertAirbyteMessages(t, unreachable.stdout)[0]?.connectionStatus, { status: 'FAILED', message: /could not reach Rokt/ });
  mkdirSync(join(dir, 'a-folder'));
  const paths = await runCli(['check', '--config', writeJson(dir, 'p.json', simConfig(sim, ['v2'], { rejected_records_path: join(dir, 'nowhere', 'r.jsonl'), debug_log_path: join(dir, 'a-folder') }))]);
  t.equal(paths.code, 0);
  const pathStatus = assertAirbyteMessages(t, paths.stdout)[0]?.connectionStatus;
  t.equal(pathStatus?.status, 'FAILED');
  t.match(pathStatus?.message, /rejected_records_path: cannot write .*r\.jsonl: its folder .*nowhere does not exist/);
  t.match(pathStatus?.message, /debug_log_path: cannot write .*a-folder: it is a folder/);
  const warned = await runCli(['check', '--config', writeJson(dir, 'w.json', simConfig(sim, ['v2'], { comment: 'mine' }))]);
  const messages = assertAirbyteMessages(t, warned.stdout);
  t.same(ofType(messages, 'LOG').map((m) => m.log.message), ['Config comment: unknown setting, ignored']);
  t.equal(ofType(messages, 'CONNECTION_STATUS')[0]?.connectionStatus.status, 'SUCCEEDED');
  const binding = await runCli(['check', '--config', writeJson(dir, 'd.json', simConfig(sim, ['1.0'], { streams: { orders: { object: 'event' } } }))]);
  t.match(assertAirbyteMessages(t, binding.stdout)[0]?.connectionStatus, { status: 'FAILED', message: /Stream "orders" sends events, which need .*app_id and app_secret \(Event API v1\) or public_key and secret_key \(Event API v2\)/ });
});

t.test('check behaves the same for every invalid config: one FAILED status in the connector’s words, exit 0', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'not-json.json'), '{"account_id": "1", "secret_key": "rsec-do-not-print"');
  const cases: [string[], RegExp][] = [
    [['--config', join(dir, 'missing.json')], /Cannot read the config file .*missing\.json: no such file/],
    [['--config', dir], /Cannot read the config file .*: it is a folder/],
    [['--config', join(dir, 'not-json.json')], /is not valid JSON: line 1, column \d+/],
    [[], /Missing --config FILE/],
    [['--config', writeJson(dir, 'space.json', { account_id: 'has space' })], /account_id: must not contain spaces/],
    [['--config', writeJson(dir, 'type.json', { account_id: '1', batch_size: '100' })], /batch_size: must be a number \(got text\)/],
    [['--config', writeJson(dir, 'list.json', [])], /\(top level\): must be an object/],
    [['--config', writeJson(dir, 'typo.json', { account_id: '1', api_key: 'k-1234', dryRun: true })], /dryRun: unknown setting; did you mean "dry_run"\?/],
    [['--config', writeJson(dir, 'url.json', { account_id: '1', api_key: 'k-1234', api_url: 'https://api.rokt.com/?x=1' })], /api_url: must not have a query string/],
  ];
  for (const [flags, pattern] of cases) {
    const result = await runCli(['check', ...flags]);
    t.equal(result.code, 0, `${flags.join(' ')}: exit 0`);
    const messages = assertAirbyteMessages(t, result.stdout);
    t.same(messages.map((m) => m.type), ['CONNECTION_STATUS'], 'one CONNECTION_STATUS, nothing else');
    t.equal(messages[0]?.connectionStatus.status, 'FAILED');
    t.match(messages[0]?.connectionStatus.message, pattern);
    t.notMatch(messages[0]?.connectionStatus.message, /Invalid input|received|do-not-print/);
  }
});

t.test('write with an unwritable output file fails before reading input or calling Rokt', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  for (const setting of ['rejected_records_path', 'debug_log_path', 'dry_run_output_path']) {
    const config = simConfig(sim, ['v2'], { streams: { orders: { object: 'event' } }, [setting]: join(dir, 'no-such-folder', 'out.jsonl') });
    const result = await runCli(['write', '--config', writeJson(dir, 'c.json', config), ...(setting === 'dry_run_output_path' ? ['--dry-run'] : [])], jsonl([record('orders', { clientEventId: 'a', eventType: 't' }), globalState(1)]));
    t.equal(result.code, 2, setting);
    const messages = assertAirbyteMessages(t, result.stdout);
    t.equal(ofType(messages, 'STATE').length, 0, 'no state');
    t.match(ofType(messages, 'TRACE')[0]?.trace.error, { failure_type: 'config_error', message: new RegExp(`^${setting}: cannot write .*out\\.jsonl: its folder .*no-such-folder does not exist$`) });
  }
  t.equal(sim.requests.length, 0, 'nothing was sent');
});

t.test('write: a record of a stream routed nowhere fails the run by default; "reject" skips it on purpose', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const catalog = writeJson(dir, 'k.json', { streams: [configuredStream('orders', 'event')] });
  const input = jsonl([record('orders', { clientEventId: 'a', eventType: 't' }), globalState(1), record('mystery', { a: 1 }), globalState(2)]);
  const failing = await runCli(['write', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v2'])), '--catalog', catalog], input);
  t.equal(failing.code, 2);
  const failed = assertAirbyteMessages(t, failing.stdout);
  t.match(ofType(failed, 'TRACE')[0]?.trace.error, { failure_type: 'config_error', message: /Stream "mystery" is not routed to Rokt/ });
  t.notOk(ofType(failed, 'STATE').some((m) => m.state.global.shared_state.cursor === 2), 'the checkpoint never moves past the dropped record');
  const skipping = await runCli(['write', '--config', writeJson(dir, 'd.json', simConfig(sim, ['v2'], { unrouted_streams: 'reject' })), '--catalog', catalog], input);
  t.equal(skipping.code, 0, skipping.stderr);
  t.same(ofType(assertAirbyteMessages(t, skipping.stdout), 'STATE').map((m) => m.state.global.shared_state.cursor), [1, 2]);
});
