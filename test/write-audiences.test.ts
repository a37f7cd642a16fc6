import t from 'tap';
import { sha256Hex } from '../src/rules/normalize.js';
import type { RoktSimulator } from '../src/simulator/server.js';
import { jsonl, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator, streamState } from './helpers/sim.js';

const member = (data: Record<string, unknown>, stream = 'vips') => record(stream, data);

async function write(sim: RoktSimulator, config: Record<string, unknown>, input: unknown[], catalog: unknown = { streams: [configuredStream('vips', 'audience')] }) {
  const dir = tempDir();
  return runCli(['write', '--config', writeJson(dir, 'config.json', config), '--catalog', writeJson(dir, 'catalog.json', catalog)], jsonl(input));
}

const audienceRequests = (sim: RoktSimulator) => sim.requests.filter((r) => r.path.endsWith('/import/suppression'));
const logText = (stdout: string[]) => stdout.filter((line) => line.includes('"LOG"')).map((line) => JSON.parse(line).log.message).join('\n');

t.test('v3 include: Basic auth, accountId, the stream name as list, hashed emails in sha256s', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(sim, simConfig(sim, ['v3']), [member({ email: ' Test@Example.com ' }), member({ email: 'b@example.com' }), streamState('vips', 1)]);
  t.equal(result.code, 0, result.stderr);
  const [request] = audienceRequests(sim);
  t.equal(request?.path, '/v3/import/suppression');
  t.equal(request?.headers.authorization, `Basic ${Buffer.from('rpub-sim-public:rsec-sim-secret').toString('base64')}`);
  t.same(request?.body, {
    accountId: '1234567890',
    action: 'include',
    list: 'vips',
    sha256s: ['973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b', sha256Hex('b@example.com')],
  });
  t.notOk(request?.rawBody.includes('@'), 'no plain email left the process');
  const states = ofType(assertAirbyteMessages(t, result.stdout), 'STATE');
  t.same(states[0]?.state.destinationStats, { recordCount: 2, rejectedRecordCount: 0 });
  t.equal(sim.audienceMembers('vips').size, 2);
});

t.test('legacy 1.0: raw API key, no accountId; soft_delete excludes', async (t) => {
  const sim = await startSimulator(t);
  const catalog = { streams: [configuredStream('vips', 'audience', 'soft_delete')] };
  const result = await write(sim, simConfig(sim, ['1.0']), [member({ emailsha256: 'A'.repeat(64) }), globalState(1)], catalog);
  t.equal(result.code, 0, result.stderr);
  const [request] = audienceRequests(sim);
  t.equal(request?.path, '/api/1.0/import/suppression');
  t.equal(request?.headers.authorization, 'sim-api-key');
  t.same(request?.body, { action: 'exclude', list: 'vips', sha256s: ['a'.repeat(64)] });
});

t.test('per-row lists, plain and hashed identifiers never mixed, duplicates sent once but counted', async (t) => {
  const sim = await startSimulator(t);
  const config = simConfig(sim, ['v3'], { hash_pii: false });
  const result = await write(sim, config, [
    member({ email: 'a@x.co', list: 'Gold' }),
    member({ emailsha256: 'b'.repeat(64), list: 'Gold' }),
    member({ email: 'A@X.co ', list: 'Gold' }),
    member({ email: 'c@x.co', list: 'Silver' }),
    member({ email: 'd@x.co' }),
    globalState(1),
  ]);
  t.equal(result.code, 0, result.stderr);
  const bodies = audienceRequests(sim).map((r) => r.body as any);
  const summary = bodies.map((b) => `${b.list}:${Object.keys(b).find((k) => ['emails', 'sha256s'].includes(k))}:${(b.emails ?? b.sha256s).join(',')}`).sort();
  t.same(summary, ['Gold:emails:a@x.co', `Gold:sha256s:${'b'.repeat(64)}`, 'Silver:emails:c@x.co', 'vips:emails:d@x.co']);
  t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 5, rejectedRecordCount: 0 }, 'the duplicate row counts as accepted');
});

t.test('MD5-only and identifier-less rows are rejected with their reasons; counts add up', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(sim, simConfig(sim, ['v3']), [member({ emailmd5: '55502f40dc8b7c769880b10874abc9d0' }), member({ phone: '1' }), member({ email: 'nope' }), member({ email: 'ok@x.co' }), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 1, rejectedRecordCount: 3 });
  const logs = logText(result.stdout);
  t.match(logs, /line 1 field emailmd5: Rokt's audience import API accepts no MD5 identifier/);
  t.match(logs, /line 2 field email: the row has no identifier/);
  t.match(logs, /line 3 field email: email is not a valid email address/);
  t.notOk(logs.includes('ok@x.co'), 'no raw PII in logs');
});

t.test('bindings: audience name, action and column renames for non-Airbyte pipelines', async (t) => {
  const sim = await startSimulator(t);
  const config = simConfig(sim, ['v3'], { streams: { churned: { object: 'audience', audience_name: 'Winback', action: 'exclude', columns: { customer_email: 'email' } } } });
  const result = await write(sim, config, [record('churned', { customer_email: 'z@x.co', id: 3 }), globalState(1)], { streams: [] });
  t.equal(result.code, 0, result.stderr);
  t.same(audienceRequests(sim)[0]?.body, { accountId: '1234567890', action: 'exclude', list: 'Winback', sha256s: [sha256Hex('z@x.co')] });
});

t.test('retries and 400 isolation for audiences; batch size is configurable', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v3/import/suppression', fault: { kind: 'status', status: 503 } });
  sim.addFault({ path: '/v3/import/suppression', fault: { kind: 'status', status: 400 } });
  const emails = Array.from({ length: 6 }, (_, i) => `m${i}@x.co`);
  const result = await write(sim, simConfig(sim, ['v3'], { audience_batch_size: 4 }), [...emails.map((email) => member({ email })), globalState(1)]);
  t.equal(result.code, 0, result.stderr);
  t.same(audienceRequests(sim).map((r) => r.status), [503, 400, 201, 201, 201]);
  t.equal(sim.audienceMembers('vips').size, 6, 'nothing lost');
  t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 6, rejectedRecordCount: 0 });
});

t.test('a small targeting list gets a warning that does not alarm incremental runs', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(sim, simConfig(sim, ['v3']), [member({ email: 'a@x.co' })]);
  t.equal(result.code, 0);
  t.match(logText(result.stdout), /Audience "vips": 1 members were added in this run\. Rokt targets lists of at least 1000 people; if earlier runs already added members/);
});

t.test('audience streams without audience credentials fail before reading input', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(sim, simConfig(sim, ['v1']), [member({ email: 'a@x.co' })]);
  t.equal(result.code, 2);
  t.match(ofType(assertAirbyteMessages(t, result.stdout), 'TRACE')[0]?.trace.error, { failure_type: 'config_error', message: /Streams send audience changes, but no credentials for them are configured: set .*public_key and secret_key \(Audience API v3\) or api_key \(Audience API 1.0\)/ });
  t.equal(sim.requests.length, 0);
});
