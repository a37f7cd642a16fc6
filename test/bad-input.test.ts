import t from 'tap';
import { jsonl, RunningCli, runCli, tempDir, writable, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator } from './helpers/sim.js';

const catalog = { streams: [configuredStream('orders', 'event')] };
const event = (id: string, extra: Record<string, unknown> = {}) => record('orders', { clientEventId: id, eventType: 't', ...extra });
const logs = (stdout: string[]) => stdout.filter((l) => l.includes('"LOG"')).map((l) => JSON.parse(l).log.message as string);

t.test('bad lines are reported with their line numbers and counted; good records still go through', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const input = Buffer.concat([
    Buffer.from('\uFEFF' + JSON.stringify(event('bom-first')) + '\r\n'), // 1: BOM + CRLF
    Buffer.from('this is not json\n'), // 2
    Buffer.from('\n\n'), // 3, 4: empty lines
    Buffer.from('{"type":"WHATEVER","x":1}\n'), // 5: unknown type
    Buffer.from('{"type":"RECORD","record":{"stream":"orders","data":"oops","emitted_at":1}}\n'), // 6: data not an object
    Buffer.from(JSON.stringify(record('unknown_stream', { a: 1 })) + '\n'), // 7
    Buffer.from(JSON.stringify(event('bad-time', { eventTime: true })) + '\n'), // 8: wrong type
    Buffer.from(JSON.stringify(event('huge', { note: 'x'.repeat(70_000) })) + '\n'), // 9: enormous value
    Buffer.concat([Buffer.from('{"type":"RECORD","record":{"stream":"orders","emitted_at":1,"data":{"clientEventId":"utf8","eventType":"t","city":"M'), Buffer.from([0xff, 0xfe]), Buffer.from('nchen"}}}\n')]), // 10: invalid UTF-8
    Buffer.from(JSON.stringify(globalState(1)) + '\n'), // 11
    Buffer.from('{"type":"RECORD","record":{"stream":"orders","data":{"clientEventId":"trunc'), // 12: truncated last line
  ]);
  // Line 7's stream goes nowhere: counted and skipped only because the config says so.
  const cli = new RunningCli(['write', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v2'], { unrouted_streams: 'reject' })), '--catalog', writeJson(dir, 'k.json', catalog)]);
  cli.end(input as unknown as string);
  const result = await cli.result();
  t.equal(result.code, 0, result.stderr);
  const messages = assertAirbyteMessages(t, result.stdout);
  const text = logs(result.stdout).join('\n');
  t.match(text, /Input line 2 skipped: invalid JSON at column 1: unexpected character where a value should start/);
  t.notMatch(text, /this is not/, 'the line itself is never quoted');
  t.match(text, /Input line 5: unknown message type "WHATEVER" ignored/);
  t.match(text, /Rejected stream "orders" line 6: "data" is a string, not an object/);
  t.match(text, /Stream "unknown_stream" is not routed to Rokt/);
  t.match(text, /line 8 field eventTime: eventTime must be a timestamp string or epoch number, got boolean/);
  t.match(text, /line 9 field note: value is longer than Rokt's 65536 characters/);
  t.match(text, /Input line 10 holds bytes that are not valid UTF-8/);
  t.match(text, /Input line 12 skipped: invalid JSON at column 76: the line ends inside a string/);
  t.match(text, /2 input lines were not valid messages/);
  t.same(sim.acceptedEvents.map((e) => e.clientEventId).sort(), ['bom-first', 'utf8']);
  t.same(ofType(messages, 'STATE')[0]?.state.destinationStats, { recordCount: 2, rejectedRecordCount: 4 }, 'accepted + rejected = the 6 records read');
});

t.test('a line over the length limit stops the run with a clear error, after delivering what came before', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const cli = new RunningCli(['write', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v2'])), '--catalog', writeJson(dir, 'k.json', catalog)]);
  cli.child.stdin.on('error', () => undefined);
  cli.write(jsonl([event('before'), globalState(1)]));
  const chunk = 'x'.repeat(1024 * 1024);
  cli.write('{"type":"RECORD","record":{"stream":"orders","data":{"clientEventId":"big","eventType":"t","blob":"');
  for (let i = 0; i < 17 && !cli.child.stdin.destroyed; i += 1) {
    if (!cli.child.stdin.write(chunk)) await writable(cli.child.stdin);
  }
  cli.end();
  const result = await cli.result();
  t.equal(result.code, 1);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(ofType(messages, 'STATE').map((s) => s.state.destinationStats.recordCount), [1], 'the state before the long line was emitted');
  t.match(ofType(messages, 'TRACE')[0]?.trace.error, { failure_type: 'system_error', message: /Input line 3 is longer than 16777216 characters/ });
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['before']);
});

t.test('config and catalog mistakes are reported before any record is read', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const cases: [Record<string, unknown>, unknown, RegExp][] = [
    [simConfig(sim, ['v2']), { streams: [configuredStream('orders', 'purchase')] }, /destination_object_name "purchase"; this destination writes "event" and "audience"/],
    [simConfig(sim, ['v2']), { streams: [configuredStream('orders', 'event', 'overwrite')] }, /events support append only/],
    [simConfig(sim, ['v2']), { streams: [configuredStream('orders', 'audience', 'append_dedup')] }, /audiences support append \(add members\) and soft_delete/],
    [simConfig(sim, ['1.0']), catalog, /Streams send events, but no credentials for them are configured: set .*app_id and app_secret \(Event API v1\) or public_key and secret_key \(Event API v2\)/],
    [simConfig(sim, ['v2'], { api_url: 'http://rokt.example.com' }), catalog, /api_url: must be an https:\/\/ URL/],
    [simConfig(sim, ['v2'], { streams: { orders: { object: 'event', constants: { 'rokt.x': 1 } } } }), catalog, /names beginning with 'rokt\.' are reserved/],
    [simConfig(sim, ['v2'], { streams: { orders: { object: 'audience' } } }), catalog, /goes to "event" in the catalog but to "audience" in config.streams/],
    [simConfig(sim, ['v2']), { streams: 'nope' }, /Invalid configured catalog: streams/],
    [simConfig(sim, ['v2'], { api_url: `${sim.url}/?region=eu` }), catalog, /api_url: must not have a query string \(\?…\) or fragment \(#…\)/],
    [simConfig(sim, ['v2'], { audience_api_url: `${sim.url}#top` }), catalog, /audience_api_url: must not have a query string/],
    [simConfig(sim, ['v2'], { streams: [{ stream: 'orders', object: 'event', constants: [{ field: 'rokt.x', value: '1' }] }] }), catalog, /streams\[0\]\.constants\[0\]\.field: names beginning with 'rokt\.' are reserved/],
    [simConfig(sim, ['v2'], { streams: [{ stream: 'orders', object: 'audience' }] }), catalog, /goes to "event" in the catalog but to "audience" in config.streams/],
    [simConfig(sim, ['v2'], { dryRun: true }), catalog, /dryRun: unknown setting; did you mean "dry_run"\?/],
    [simConfig(sim, ['v2'], { streams: { orders: { object: 'event', primary_keys: ['id'] } } }), catalog, /streams\."orders"\.primary_keys: unknown setting; did you mean "primary_key"\?/],
    [simConfig(sim, ['v2'], { rejected_records_path: '/nonexistent-folder-for-test/rejected.jsonl' }), catalog, /rejected_records_path: cannot write .*: its folder \/nonexistent-folder-for-test does not exist/],
  ];
  for (const [config, catalogValue, pattern] of cases) {
    const result = await runCli(['write', '--config', writeJson(dir, 'c.json', config), '--catalog', writeJson(dir, 'k.json', catalogValue)], jsonl([event('x')]));
    t.equal(result.code, 2, String(pattern));
    t.match(ofType(assertAirbyteMessages(t, result.stdout), 'TRACE')[0]?.trace.error, { failure_type: 'config_error', message: pattern });
  }
  t.equal(sim.requests.length, 0, 'nothing was sent');
});

t.test('an answer slower than the client timeout is retried; under v1 the retry is answered 409 and counted once', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v1/events', fault: { kind: 'delay', ms: 2500 } });
  const dir = tempDir();
  const result = await runCli(['write', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v1'], { request_timeout_seconds: 1 })), '--catalog', writeJson(dir, 'k.json', catalog)], jsonl([event('slow'), globalState(1)]));
  t.equal(result.code, 0, result.stderr);
  const attempts = sim.requests.filter((r) => r.path === '/v1/events');
  t.equal(attempts.length, 2);
  t.equal(attempts[1]?.status, 409, 'the retry got 409');
  t.equal(attempts[0]?.headers['idempotency-key'], attempts[1]?.headers['idempotency-key']);
  t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 1, rejectedRecordCount: 0 });
  t.equal(sim.acceptedEvents.length, 1);
});

t.test('a slow Rokt slows the reading of stdin: the input is not buffered in memory', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 200 });
  const dir = tempDir();
  const cli = new RunningCli(['write', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v2'], { batch_size: 10, concurrency: 2 })), '--catalog', writeJson(dir, 'k.json', catalog)]);
  cli.child.stdin.on('error', () => undefined);
  let written = 0;
  let writtenAtFifthRequest = -1;
  let answered = 0;
  sim.on('request', () => {
    answered += 1;
    if (answered === 5) writtenAtFifthRequest = written;
  });
  const line = JSON.stringify(event('e', { note: 'n'.repeat(100) })) + '\n';
  while (written < 100_000 && writtenAtFifthRequest < 0) {
    if (!cli.child.stdin.write(line)) await writable(cli.child.stdin);
    written += 1;
  }
  cli.child.kill('SIGKILL');
  await cli.result();
  // 5 answered requests carry 50 records; add what pipes and stream buffers hold (~64 KiB + 16 KiB).
  t.ok(writtenAtFifthRequest > 0 && writtenAtFifthRequest < 2_000, `only ${writtenAtFifthRequest} lines of 100000 were taken in while Rokt was slow`);
});
