import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { jsonl, ROOT, runCli, tempDir, writeJson } from './helpers/cli.js';
import { configuredStream, globalState, record, simConfig, startSimulator } from './helpers/sim.js';

const SECRETS = { appSecret: 'APPSECRET-zz91-marker', secretKey: 'rsec-SECRETKEY-zz92-marker', apiKey: 'APIKEY-zz93-marker' };
const PII = ['Pii.Marker.Alice@Example.com', 'pii.marker.alice@example.com', '867-5309', '8675309', 'Zebediah', 'zebediah', '203.0.113.77'];

t.test('no secret and no raw PII in any output, log or rejected-records file', async (t) => {
  const sim = await startSimulator(t, { credentials: { appSecret: SECRETS.appSecret, secretKey: SECRETS.secretKey, apiKey: SECRETS.apiKey } });
  sim.addFault({ path: '/v1/events', times: 2, fault: { kind: 'unprocessed', clientEventIds: ['p-2'] } });
  sim.addFault({ path: '/v1/events', fault: { kind: 'status', status: 503 } });
  const dir = tempDir();
  const rejectedPath = join(dir, 'rejected.jsonl');
  const debugPath = join(dir, 'debug.jsonl');
  const config = simConfig(sim, ['v1', 'v3', '1.0'], { rejected_records_path: rejectedPath, debug_log_path: debugPath, streams: { people: { object: 'event', constants: { eventType: 't' } } } });
  const person = (id: string, extra: Record<string, unknown> = {}) => ({ clientEventId: id, email: 'Pii.Marker.Alice@Example.com', mobile: '(555) 867-5309', firstname: 'Zebediah', ipaddress: '203.0.113.77', ...extra });
  const input = jsonl([
    record('orders', { ...person('p-1'), eventType: 't' }),
    record('orders', { ...person('p-2'), eventType: 't' }),
    record('orders', { ...person('p-3'), eventType: 't', eventTime: '1999-01-01T00:00:00Z' }),
    record('people', person('p-4')),
    record('members', { email: 'Pii.Marker.Alice@Example.com' }),
    record('members', { email: 'pii.marker.alice@example' }),
    globalState(1),
  ]);
  const catalog = { streams: [configuredStream('orders', 'event'), configuredStream('members', 'audience')] };
  const outputs: string[] = [];
  const write = await runCli(['write', '--config', writeJson(dir, 'c.json', config), '--catalog', writeJson(dir, 'k.json', catalog)], input);
  t.equal(write.code, 0, write.stderr);
  outputs.push(...write.stdout, write.stderr, readFileSync(rejectedPath, 'utf8'));
  t.match(readFileSync(rejectedPath, 'utf8'), /p-2|"line":2/, 'rejections were written');

  const check = await runCli(['check', '--config', writeJson(dir, 'c.json', config)]);
  const wrong = await runCli(['check', '--config', writeJson(dir, 'w.json', { ...config, app_secret: 'WRONG-zz94-marker', secret_key: 'rsec-WRONG-zz95-marker', api_key: 'WRONG-zz96-marker' })]);
  const fatal = await runCli(['write', '--config', writeJson(dir, 'f.json', { ...config, secret_key: 'rsec-WRONG-zz95-marker' }), '--catalog', writeJson(dir, 'k.json', catalog)], jsonl([record('members', { email: 'Pii.Marker.Alice@Example.com' })]));
  t.equal(fatal.code, 2);
  const singer = await runCli(
    ['--config', writeJson(dir, 's.json', config)],
    jsonl([{ type: 'SCHEMA', stream: 'people', key_properties: [], schema: { properties: { clientEventId: { type: 'string' }, email: { type: 'integer' } } } }, { type: 'RECORD', stream: 'people', record: person('s-1') }]),
    { bin: join(ROOT, 'dist/src/target-cli.js') },
  );
  t.equal(singer.code, 0, singer.stderr);
  t.match(singer.stderr, /field email: does not match/);
  for (const result of [check, wrong, fatal, singer]) outputs.push(...result.stdout, result.stderr);

  outputs.push(readFileSync(debugPath, 'utf8'));
  const everything = outputs.join('\n');
  for (const secret of [...Object.values(SECRETS), 'WRONG-zz94-marker', 'rsec-WRONG-zz95-marker', 'WRONG-zz96-marker']) {
    t.notOk(everything.includes(secret), `secret ${secret.slice(0, 12)}… never printed`);
  }
  for (const base64 of [Buffer.from(`${sim.credentials.publicKey}:${SECRETS.secretKey}`).toString('base64'), Buffer.from(`${sim.credentials.appId}:${SECRETS.appSecret}`).toString('base64')]) {
    t.notOk(everything.includes(base64), 'no Basic credentials printed');
  }
  for (const pii of PII) t.notOk(everything.includes(pii), `raw PII "${pii}" not in any output`);
  const sent = sim.requests.map((r) => r.rawBody).join('\n');
  for (const pii of PII) t.notOk(sent.includes(pii), `raw PII "${pii}" never sent to Rokt`);
});
