import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType, validateConfiguredCatalog } from './helpers/protocol.js';
import { simConfig, startSimulator } from './helpers/sim.js';

t.test('spec prints one SPEC equal to spec.json, with every secret marked', async (t) => {
  const result = await runCli(['spec']);
  t.equal(result.code, 0);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.equal(messages.length, 1);
  const spec = messages[0]?.spec;
  t.same(spec, JSON.parse(readFileSync(join(ROOT, 'spec.json'), 'utf8')), 'spec.json is the printed spec (run `npm run spec:update`)');
  const properties = spec.connectionSpecification.properties;
  for (const name of ['secret_key', 'app_secret', 'api_key']) t.equal(properties[name].airbyte_secret, true, `${name} is secret`);
  t.same(spec.connectionSpecification.required, ['account_id']);
  t.equal(properties.api_url.default, 'https://api.rokt.com');
  t.equal(properties.audience_api_url.default, 'https://data.rokt.com');
  t.equal(properties.hash_pii.default, true);
});

t.test('unknown flags are tolerated', async (t) => {
  const result = await runCli(['--debug', 'spec', '--verbose']);
  t.equal(result.code, 0);
  t.equal(ofType(assertAirbyteMessages(t, result.stdout), 'SPEC').length, 1);
});

t.test('missing, unreadable or invalid config files are config errors, not stack traces', async (t) => {
  const dir = tempDir();
  const notJson = join(dir, 'bad.json');
  writeFileSync(notJson, '{"account_id": ');
  for (const [args, pattern] of [
    [['check', '--config', join(dir, 'missing.json')], /Cannot read the config file .*missing\.json: no such file/],
    [['discover', '--config', notJson], /is not valid JSON/],
    [['write', '--config', dir], /Cannot read the config file/],
    [['discover'], /Missing --config FILE/],
    [['frobnicate'], /Unknown command "frobnicate"/],
  ] as const) {
    const result = await runCli([...args]);
    t.equal(result.code, 2, `${args.join(' ')} exits 2`);
    const traces = ofType(assertAirbyteMessages(t, result.stdout), 'TRACE');
    t.equal(traces.length, 1);
    t.equal(traces[0]?.trace.error.failure_type, 'config_error');
    t.match(traces[0]?.trace.error.message, pattern);
    t.equal(result.stderr, '', 'nothing on stderr');
  }
});

t.test('discover prints the destination catalog', async (t) => {
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
  t.same(event.required, ['clientEventId', 'eventType']);
  for (const field of ['clientEventId', 'eventType', 'eventTime', 'email', 'emailsha256', 'mobile', 'amount', 'currency', 'passbackconversiontrackingid']) t.ok(event.properties[field]?.description, `event.${field}`);
  t.same(operations[1].matching_keys, [['email'], ['emailsha256']]);
  t.same(Object.keys(operations[1].json_schema.properties), ['email', 'emailsha256', 'list']);
});

t.test('config validation names the property and the problem', async (t) => {
  const dir = tempDir();
  const result = await runCli(['discover', '--config', writeJson(dir, 'c.json', { account_id: '1', api_url: 'http://api.example.com', public_key: 'rpub-x', streams: { s: { object: 'pigeon' } } })]);
  t.equal(result.code, 2);
  const message = ofType(assertAirbyteMessages(t, result.stdout), 'TRACE')[0]?.trace.error.message as string;
  t.match(message, /api_url: must be an https:\/\/ URL/);
  t.match(message, /streams\.s\.object/);
  const unpaired = await runCli(['discover', '--config', writeJson(dir, 'd.json', { account_id: '1', public_key: 'rpub-x' })]);
  t.match(ofType(assertAirbyteMessages(t, unpaired.stdout), 'TRACE')[0]?.trace.error.message, /secret_key: is required with public_key/);
});

t.test('catalog.sample.json is a valid configured catalog with an events and an audience stream', async (t) => {
  const catalog = JSON.parse(readFileSync(join(ROOT, 'catalog.sample.json'), 'utf8'));
  t.ok(validateConfiguredCatalog(catalog), 'valid ConfiguredAirbyteCatalog');
  t.same(catalog.streams.map((s: any) => s.destination_object_name).sort(), ['audience', 'event']);
});

t.test('check against the simulator: every credential set succeeds', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const result = await runCli(['check', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v1', 'v3', '1.0']))]);
  t.equal(result.code, 0);
  const [status] = assertAirbyteMessages(t, result.stdout);
  t.equal(status?.connectionStatus.status, 'SUCCEEDED');
  t.match(status?.connectionStatus.message, /app_id\/app_secret .*OK.*public_key\/secret_key .*OK.*api_key .*OK/);
  t.same(
    sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`).sort(),
    ['GET /api/1.0/auth-check 200', 'POST /auth/oauth2/token 200', 'POST /v3/auth-check 200'],
    'one harmless call per credential set, no data written',
  );
});

t.test('check names the credential that failed and what Rokt answered, exit 0, no secret printed', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = { ...simConfig(sim, ['v1', 'v3']), app_secret: 'WRONG-app-secret-value', secret_key: 'rsec-WRONG-secret-value' };
  const result = await runCli(['check', '--config', writeJson(dir, 'c.json', config)]);
  t.equal(result.code, 0);
  const [status] = assertAirbyteMessages(t, result.stdout);
  t.equal(status?.connectionStatus.status, 'FAILED');
  t.match(status?.connectionStatus.message, /app_id\/app_secret .*failed: Rokt answered HTTP 401/);
  t.match(status?.connectionStatus.message, /public_key\/secret_key .*failed: Rokt answered HTTP 401/);
  const everything = result.stdout.join('\n') + result.stderr;
  t.notOk(everything.includes('WRONG-app-secret-value') || everything.includes('rsec-WRONG-secret-value'), 'no secret in the output');
});

t.test('check: wrong account, no credentials, unreachable Rokt', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const wrongAccount = await runCli(['check', '--config', writeJson(dir, 'a.json', simConfig(sim, ['v3'], { account_id: '999' }))]);
  t.match(assertAirbyteMessages(t, wrongAccount.stdout)[0]?.connectionStatus, { status: 'FAILED', message: /HTTP 403/ });
  const none = await runCli(['check', '--config', writeJson(dir, 'b.json', { account_id: '1' })]);
  t.match(assertAirbyteMessages(t, none.stdout)[0]?.connectionStatus, { status: 'FAILED', message: /No Rokt credentials/ });
  const unreachable = await runCli(['check', '--config', writeJson(dir, 'c.json', { account_id: '1', api_key: 'k-123', audience_api_url: 'http://127.0.0.1:1' })]);
  t.equal(unreachable.code, 0);
  t.match(assertAirbyteMessages(t, unreachable.stdout)[0]?.connectionStatus, { status: 'FAILED', message: /could not reach Rokt/ });
  const invalid = await runCli(['check', '--config', writeJson(dir, 'd.json', { account_id: 'has space' })]);
  t.match(assertAirbyteMessages(t, invalid.stdout)[0]?.connectionStatus, { status: 'FAILED', message: /account_id: must not contain spaces/ });
});
