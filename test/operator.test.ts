import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { sha256Hex } from '../src/rules/normalize.js';
import { jsonl, ROOT, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator } from './helpers/sim.js';

const catalog = { streams: [configuredStream('orders', 'event'), configuredStream('members', 'audience')] };
const input = [
  record('orders', { clientEventId: 'd1', eventType: 'conversion', email: 'Dry.Run@Example.com' }),
  record('orders', { clientEventId: 'd2', eventType: 'conversion', eventTime: '2001-01-01T00:00:00Z' }),
  record('members', { email: 'm@example.com', list: 'Gold' }),
  globalState(1),
];

t.test('dry run: no connection, no STATE, the exact bodies and a summary per stream, object and list', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const bodies = join(dir, 'bodies.jsonl');
  for (const [args, config] of [
    [['--dry-run'], simConfig(sim, ['v2', 'v3'], { dry_run_output_path: bodies })],
    [[], simConfig(sim, ['v2', 'v3'], { dry_run: true })],
  ] as const) {
    const result = await runCli(['write', '--config', writeJson(dir, 'c.json', config), '--catalog', writeJson(dir, 'k.json', catalog), ...args], jsonl(input));
    t.equal(result.code, 0, result.stderr);
    const messages = assertAirbyteMessages(t, result.stdout);
    t.equal(ofType(messages, 'STATE').length, 0, 'no STATE in a dry run');
    const logs = ofType(messages, 'LOG').map((m) => m.log.message).join('\n');
    t.match(logs, /Dry run: nothing is sent to Rokt/);
    t.match(logs, /it would advance the source's cursor although nothing reached Rokt/);
    t.match(logs, /Dry run \(2 requests not sent\): Sync summary: 3 records received, 2 accepted by Rokt, 1 rejected/);
    t.match(logs, /"objects":\{"event":\{"received":2,"accepted":1,"accepted_unverified":0,"rejected":1\},"audience":\{"received":1,"accepted":1,"accepted_unverified":0,"rejected":0\}\}/);
    t.match(logs, /"audience_lists":\[\{"list":"Gold","action":"include","members":1\}\]/);
    t.match(logs, /line 2 field eventTime: eventTime is older than Rokt accepts/);
    if (args.length) {
      const lines = readFileSync(bodies, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      const events = lines.find((line) => line.url.endsWith('/v2/events'));
      t.same(events.body, { accountId: '1234567890', events: [{ clientEventId: 'd1', eventType: 'conversion', eventTime: events.body.events[0].eventTime, objectData: [{ name: 'emailsha256', value: sha256Hex('dry.run@example.com') }] }] });
      t.notOk(readFileSync(bodies, 'utf8').includes('Dry.Run'), 'PII hashed in the dry-run bodies');
      t.same(lines.find((line) => line.url.endsWith('/v3/import/suppression')).body.list, 'Gold');
    } else {
      t.match(result.stderr, /"dry_run":true,"method":"POST"/, 'bodies on stderr without a file');
    }
  }
  const singer = await runCli(
    ['--config', writeJson(dir, 's.json', simConfig(sim, ['v2'], { streams: { s: { object: 'event', constants: { eventType: 't' } } } })), '--dry-run'],
    jsonl([{ type: 'SCHEMA', stream: 's', key_properties: [], schema: { properties: {} } }, { type: 'RECORD', stream: 's', record: { clientEventId: 'x' } }, { type: 'STATE', value: 1 }]),
    { bin: join(ROOT, 'dist/src/target-cli.js') },
  );
  t.equal(singer.code, 0, singer.stderr);
  t.same(singer.stdout.filter(Boolean), [], 'Singer dry run: no state value on stdout');
  t.match(singer.stderr, /"dry_run":true,"method":"POST","url":"http:\/\/127\.0\.0\.1:\d+\/v2\/events"/);
  t.equal(sim.requests.length, 0, 'the simulator saw no request at all');
});

t.test('debug log: one line per exchange including retries, credentials redacted, identifiers hashed', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v1/events', fault: { kind: 'status', status: 503 } });
  const dir = tempDir();
  const debugPath = join(dir, 'debug.jsonl');
  const config = simConfig(sim, ['v1', 'v3'], { debug_log_path: debugPath, hash_pii: false });
  const result = await runCli(['write', '--config', writeJson(dir, 'c.json', config), '--catalog', writeJson(dir, 'k.json', catalog)], jsonl(input));
  t.equal(result.code, 0, result.stderr);
  const text = readFileSync(debugPath, 'utf8');
  const lines = text.trim().split('\n').map((line) => JSON.parse(line));
  t.equal(lines.length, sim.requests.length, 'one line per HTTP exchange');
  const events = lines.filter((line) => line.url.endsWith('/v1/events'));
  t.same(events.map((line) => [line.attempt, line.status]), [
    [1, 503],
    [2, 200],
  ]);
  t.same(events[0].records, { orders: [1] }, 'which records the request carried');
  t.match(events[0], { method: 'POST', duration_ms: Number, time: String, request: { headers: { Authorization: 'Bearer [redacted]', 'Idempotency-Key': String } } });
  const token = lines.find((line) => line.url.endsWith('/auth/oauth2/token'));
  t.equal(token.request.headers.Authorization, 'Basic [redacted]');
  t.equal(token.response.body.access_token, '[redacted]');
  t.match(lines.find((line) => line.url.endsWith('/import/suppression')), { records: { members: [3] } });
  for (const secret of [sim.credentials.appSecret, sim.credentials.secretKey, 'Dry.Run@Example.com', 'dry.run@example.com', 'm@example.com']) t.notOk(text.includes(secret), `no ${secret} in the debug log`);
  t.ok(sim.requests.some((r) => r.rawBody.includes('"dry.run@example.com"')), 'with hash_pii off the plain email was really sent, normalized (and only hashed in the log)');
});

t.test('debug log is rotated to <path>.1 at debug_log_max_mb', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const debugPath = join(dir, 'debug.jsonl');
  const events = Array.from({ length: 3000 }, (_, i) => record('orders', { clientEventId: `r-${i}`, eventType: 'conversion', note: 'n'.repeat(450) }));
  const config = simConfig(sim, ['v2'], { debug_log_path: debugPath, debug_log_max_mb: 1 });
  const result = await runCli(['write', '--config', writeJson(dir, 'c.json', config), '--catalog', writeJson(dir, 'k.json', catalog)], jsonl(events));
  t.equal(result.code, 0, result.stderr);
  const current = readFileSync(debugPath, 'utf8').trim().split('\n');
  const rotated = readFileSync(`${debugPath}.1`, 'utf8').trim().split('\n');
  t.equal(current.length + rotated.length, sim.requests.length, 'every exchange is in one of the two files');
  t.ok(Buffer.byteLength(readFileSync(`${debugPath}.1`)) <= 1024 * 1024, 'the rotated file stayed within the limit');
});

t.test('progress lines appear during a slow run; Singer prints them to stderr', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 1500 });
  const dir = tempDir();
  const config = simConfig(sim, ['v2', 'v3'], { progress_interval_seconds: 1 });
  const result = await runCli(['write', '--config', writeJson(dir, 'c.json', config), '--catalog', writeJson(dir, 'k.json', catalog)], jsonl(input));
  t.equal(result.code, 0);
  const progress = ofType(assertAirbyteMessages(t, result.stdout), 'LOG').map((m) => m.log.message).filter((m) => m.startsWith('Progress:'));
  t.ok(progress.length >= 1, `${progress.length} progress lines`);
  t.match(progress[0], /^Progress: 3 rows read, \d+ accepted, 1 rejected, \d+ in flight, 0 retries, \d+ rows\/s; 1 states waiting, the oldest for \d+\.\d s; concurrency \d+ now, [\d.]+ on average \(adaptive, ceiling \d+\), \d+ throttled, [\d.]+ s waiting on Rokt$/);
  const singer = await runCli(
    ['--config', writeJson(dir, 's.json', { ...config, streams: { s: { object: 'event', constants: { eventType: 't' } } } })],
    jsonl([{ type: 'SCHEMA', stream: 's', key_properties: [], schema: { properties: {} } }, { type: 'RECORD', stream: 's', record: { clientEventId: 'p1' } }]),
    { bin: join(ROOT, 'dist/src/target-cli.js') },
  );
  t.equal(singer.code, 0);
  t.match(singer.stderr, /INFO +Progress: 1 rows read/);
});
