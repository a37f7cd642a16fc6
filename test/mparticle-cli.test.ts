/**
 * The Event and Audience API end to end: the built CLI (`write`, `check`, dry run, the Singer target)
 * against the simulator's /v2/bulkevents. Payloads field by field, partial 202s attributed by
 * position, faults with nothing lost and ids stable across retries and re-runs, audience order, and
 * secrets never in any output.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { RoktSimulator } from '../src/simulator/server.js';
import { jsonl, ROOT, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator, streamState } from './helpers/sim.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const TARGET = join(ROOT, 'dist/src/target-cli.js');

/** Only the Event and Audience API's credentials, fast retries. */
function mparticleConfig(sim: RoktSimulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { mparticle_api_key: sim.mparticle.credentials.apiKey, mparticle_api_secret: sim.mparticle.credentials.apiSecret, mparticle_url: sim.url, retry_base_delay_ms: 1, retry_max_seconds: 30, ...extra };
}

const catalog = { streams: [configuredStream('orders', 'event'), configuredStream('vips', 'audience'), configuredStream('churn', 'audience', 'soft_delete')] };

async function write(config: Record<string, unknown>, input: unknown[], args: string[] = []) {
  const dir = tempDir();
  const result = await runCli(['write', '--config', writeJson(dir, 'config.json', config), '--catalog', writeJson(dir, 'catalog.json', catalog), ...args], jsonl(input));
  return { ...result, dir };
}

const logText = (stdout: string[]) => stdout.filter((line) => line.includes('"LOG"')).map((line) => JSON.parse(line).log.message).join('\n');
const bulkRequests = (sim: RoktSimulator) => sim.requests.filter((request) => request.path === '/v2/bulkevents');
const messageIds = (sim: RoktSimulator) => sim.mparticle.accepted.map((entry) => (entry.batch.events as { data: { source_message_id: string } }[])[0]?.data.source_message_id);
const secretsOf = (sim: RoktSimulator) => {
  const { apiKey, apiSecret } = sim.mparticle.credentials;
  return [apiKey, apiSecret, Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')];
};

t.test('events and audiences with only the key and secret: batches field by field, states, the path logged', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(mparticleConfig(sim), [
    record('orders', { clientEventId: 'order-1', eventType: 'conversion', email: ' Jane.Doe@Example.com ', mobile: '(732) 757-2923', amount: 129.95, currency: 'USD', conversiontype: 'purchase', passbackconversiontrackingid: 'rtid-1', customerid: 'c-1' }),
    record('orders', { clientEventId: 'order-2', eventType: 'signup', email: 'sam@example.org' }),
    globalState(2),
    record('vips', { email: 'Jane.Doe@example.com', list: 'VIP' }),
    record('churn', { emailsha256: 'A'.repeat(64), list: 'VIP' }),
    globalState(3),
  ]);
  t.equal(result.code, 0, result.stderr);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.same(
    ofType(messages, 'STATE').map((state) => state.state.destinationStats),
    [
      { recordCount: 2, rejectedRecordCount: 0 },
      { recordCount: 2, rejectedRecordCount: 0 },
    ],
  );
  const logs = logText(result.stdout);
  t.match(logs, /Events use the Event and Audience API \(http:\/\/127\.0\.0\.1:\d+\/v2\/bulkevents, environment production\), because mparticle_api_key and mparticle_api_secret are set\./);
  t.match(logs, /Audience changes use the Event and Audience API/);
  const request = bulkRequests(sim)[0];
  t.equal(request?.headers.authorization, `Basic ${Buffer.from(`${sim.mparticle.credentials.apiKey}:${sim.mparticle.credentials.apiSecret}`).toString('base64')}`);
  t.equal(request?.headers['content-type'], 'application/json');
  const conversion = sim.mparticle.accepted.find((entry) => messageIds(sim)[sim.mparticle.accepted.indexOf(entry)] === 'order-1')?.batch as Record<string, any>;
  t.same(conversion, {
    environment: 'production',
    source_request_id: conversion.source_request_id,
    user_identities: { other: sha('jane.doe@example.com'), customerid: 'c-1' },
    user_attributes: { mobilesha256: sha('7327572923') },
    integration_attributes: { '1277': { passbackconversiontrackingid: 'rtid-1' } },
    events: [
      {
        event_type: 'custom_event',
        data: {
          event_name: 'conversion',
          custom_event_type: 'transaction',
          source_message_id: 'order-1',
          timestamp_unixtime_ms: conversion.events[0].data.timestamp_unixtime_ms,
          custom_attributes: { amount: '129.95', currency: 'USD', conversiontype: 'purchase' },
        },
      },
    ],
  });
  t.same(
    sim.mparticle.membershipChanges.map((change) => [change.audience, change.status, change.person]),
    [
      ['VIP', 'add', sha('jane.doe@example.com')],
      ['VIP', 'drop', 'a'.repeat(64)],
    ],
  );
  for (const raw of bulkRequests(sim).map((entry) => entry.rawBody)) t.notOk(/jane|sam@|757/i.test(raw), 'no raw PII left the process');
  const output = result.stdout.join('\n') + result.stderr;
  for (const secret of secretsOf(sim)) t.notOk(output.includes(secret), 'no secret in any output');
  t.equal(sim.requests.filter((entry) => entry.path !== '/v2/bulkevents').length, 0, 'no legacy endpoint called');
});

t.test('a partial 202 located only by character position: those rows rejected with the reason and their clientEventId; the rest accepted', async (t) => {
  const sim = await startSimulator(t);
  sim.mparticle.configure({ errorLocation: 'position' });
  sim.addFault({ clientEventId: 'order-2', times: Infinity, fault: { kind: 'unprocessed', clientEventIds: ['order-2', 'order-4'] } });
  const dir = tempDir();
  const rejectedPath = join(dir, 'rejected.jsonl');
  const rows = [1, 2, 3, 4, 5].map((n) => record('orders', { clientEventId: `order-${n}`, email: `user${n}@example.com`, amount: n }));
  const result = await write(mparticleConfig(sim, { rejected_records_path: rejectedPath, hash_pii: false }), [...rows, streamState('orders', 5)]);
  t.equal(result.code, 0, result.stderr);
  t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 3, rejectedRecordCount: 2 });
  t.equal(bulkRequests(sim).length, 1, 'attributed without isolating');
  t.same(messageIds(sim), ['order-1', 'order-3', 'order-5']);
  const rejected = readFileSync(rejectedPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  t.same(rejected.map((row) => row.record.clientEventId), ['order-2', 'order-4']);
  t.match(rejected[0].reason, /^the Event and Audience API refused the batch: BAD_REQUEST: Simulated refusal of value "\[value\]"\. Path 'events\[0\]\.data\.source_message_id', line 1, position \d+\.$/);
  t.equal(rejected[0].record.email, sha('user2@example.com'), 'the copy holds no raw email, even with hash_pii off');
  t.notOk(readFileSync(rejectedPath, 'utf8').includes('@'));
  t.match(logText(result.stdout), /Rejected stream "orders" line 2: the Event and Audience API refused the batch/);
});

t.test('faults: 5xx, resets, lost answers and 429s; every row lands once, with the same ids on every retry; a re-run is deduplicated', async (t) => {
  const sim = await startSimulator(t);
  sim.setRandomFaults({ seed: 7, rate: 0.5, path: /^\/v2\/bulkevents$/, faults: [{ kind: 'status', status: 503 }, { kind: 'reset' }, { kind: 'drop-after-processing' }, { kind: 'status', status: 429, retryAfterSeconds: 0 }] });
  const rows = Array.from({ length: 60 }, (_, index) => record('orders', { clientEventId: `order-${index}`, email: `u${index}@example.com` }));
  const input = [...rows.slice(0, 30), streamState('orders', 30), ...rows.slice(30), streamState('orders', 60)];
  const config = mparticleConfig(sim, { batch_size: 7, concurrency: 4, max_retries: 12 });
  const first = await write(config, input);
  t.equal(first.code, 0, first.stderr);
  t.same(ofType(assertAirbyteMessages(t, first.stdout), 'STATE').map((state) => state.state.destinationStats), [
    { recordCount: 30, rejectedRecordCount: 0 },
    { recordCount: 30, rejectedRecordCount: 0 },
  ]);
  t.same([...messageIds(sim)].sort(), rows.map((row) => row.record.data.clientEventId as string).sort(), 'every row landed exactly once');
  const retried = bulkRequests(sim).length;
  t.ok(retried > 9, 'faults made retries');
  // Each row's batch kept one source_request_id across all its attempts.
  const idsByMessage = new Map<string, Set<string>>();
  for (const request of bulkRequests(sim)) {
    for (const batch of (request.body as { source_request_id: string; events: { data: { source_message_id: string } }[] }[] | undefined) ?? []) {
      const id = batch.events[0]?.data.source_message_id as string;
      idsByMessage.set(id, (idsByMessage.get(id) ?? new Set()).add(batch.source_request_id));
    }
  }
  t.ok([...idsByMessage.values()].every((ids) => ids.size === 1), 'one source_request_id per row, whatever the retries');

  sim.setRandomFaults(undefined);
  const duplicatesBefore = sim.mparticle.duplicates.length;
  const rerun = await write(config, input);
  t.equal(rerun.code, 0, rerun.stderr);
  t.equal(sim.mparticle.accepted.length, 60, 'a re-run from an older checkpoint adds nothing');
  t.equal(sim.mparticle.duplicates.length - duplicatesBefore, 60, 'the API dropped every re-sent batch as a duplicate');
});

t.test('audiences: add → drop → add of one person, with others in between: every change sent, in order, one at a time', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 20 });
  const ann = (stream: 'vips' | 'churn') => record(stream, { email: 'ann@example.com', list: 'VIP' });
  const others = (from: number) => Array.from({ length: 5 }, (_, index) => record('vips', { email: `p${from + index}@example.com`, list: 'VIP' }));
  const input = [ann('vips'), ...others(0), ann('churn'), ...others(5), ann('vips'), ann('churn'), ann('vips'), globalState(1)];
  const result = await write(mparticleConfig(sim, { concurrency: 8 }), input);
  t.equal(result.code, 0, result.stderr);
  t.same(ofType(assertAirbyteMessages(t, result.stdout), 'STATE')[0]?.state.destinationStats, { recordCount: 15, rejectedRecordCount: 0 });
  const annChanges = sim.mparticle.membershipChanges.filter((change) => change.person === sha('ann@example.com'));
  t.same(annChanges.map((change) => change.status), ['add', 'drop', 'add', 'drop', 'add'], 'none swallowed, none reordered');
  const requestsOfAnn = annChanges.map((change) => change.requestSeq);
  t.equal(new Set(requestsOfAnn).size, 5, 'each in its own request');
  t.ok(sim.mparticle.audienceMembers('VIP').has(sha('ann@example.com')), 'the last row wins');
  t.equal(sim.mparticle.audienceMembers('VIP').size, 11);
});

t.test('check: the key and secret verified with an empty request; a wrong secret fails; nothing written, no secret printed', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const good = await runCli(['check', '--config', writeJson(dir, 'good.json', mparticleConfig(sim))]);
  const status = ofType(assertAirbyteMessages(t, good.stdout), 'CONNECTION_STATUS')[0]?.connectionStatus;
  t.equal(status?.status, 'SUCCEEDED', status?.message);
  t.match(status?.message, /mparticle_api_key\/mparticle_api_secret \(Event and Audience API: an empty bulkevents request, which writes nothing\): OK\./);
  const bad = await runCli(['check', '--config', writeJson(dir, 'bad.json', mparticleConfig(sim, { mparticle_api_secret: 'not-the-secret' }))]);
  const failed = ofType(assertAirbyteMessages(t, bad.stdout), 'CONNECTION_STATUS')[0]?.connectionStatus;
  t.equal(failed?.status, 'FAILED');
  t.match(failed?.message, /answered HTTP 403: the key and secret were refused/);
  t.equal(sim.mparticle.accepted.length, 0);
  const output = [...good.stdout, ...bad.stdout].join('\n') + good.stderr + bad.stderr;
  for (const secret of [...secretsOf(sim), 'not-the-secret']) t.notOk(output.includes(secret));
});

t.test('401/403 while writing: config_error naming the credentials, exit 2, no state', async (t) => {
  const sim = await startSimulator(t);
  const result = await write(mparticleConfig(sim, { mparticle_api_secret: 'wrong-secret' }), [record('orders', { clientEventId: 'e1' }), streamState('orders', 1)]);
  t.equal(result.code, 2);
  const messages = assertAirbyteMessages(t, result.stdout);
  t.equal(ofType(messages, 'STATE').length, 0);
  const trace = ofType(messages, 'TRACE')[0]?.trace.error;
  t.equal(trace?.failure_type, 'config_error');
  t.match(trace?.message, /mparticle_api_key\/mparticle_api_secret.*HTTP 403/);
  t.notOk(result.stdout.join('\n').includes('wrong-secret'));
});

t.test('rokt_api: legacy keeps the legacy APIs even with the key and secret set', async (t) => {
  const sim = await startSimulator(t);
  const config = { ...simConfig(sim, ['v2']), ...mparticleConfig(sim), rokt_api: 'legacy' };
  const result = await write(config, [record('orders', { clientEventId: 'e1' }), streamState('orders', 1)]);
  t.equal(result.code, 0, result.stderr);
  t.same(sim.requests.map((request) => request.path), ['/v2/events']);
  t.match(logText(result.stdout), /Events use the Event API v2/);
});

t.test('dry run: the exact bulk bodies, without credentials, and no connection', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const out = join(dir, 'dry.jsonl');
  const result = await write(mparticleConfig(sim, { dry_run_output_path: out }), [record('orders', { clientEventId: 'e1', email: 'a@b.co' }), streamState('orders', 1)], ['--dry-run']);
  t.equal(result.code, 0, result.stderr);
  t.equal(sim.requests.length, 0);
  const [line] = readFileSync(out, 'utf8').trim().split('\n').map((text) => JSON.parse(text));
  t.match(line, { dry_run: true, method: 'POST', url: `${sim.url}/v2/bulkevents` });
  t.match(line.body, [{ environment: 'production', user_identities: { other: sha('a@b.co') } }]);
  t.notOk(JSON.stringify(line).includes(secretsOf(sim)[2] as string));
});

t.test('the API-call debug log: Basic header redacted, identities hashed even with hash_pii off', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const debugPath = join(dir, 'debug.jsonl');
  const result = await write(mparticleConfig(sim, { debug_log_path: debugPath, hash_pii: false }), [record('orders', { clientEventId: 'e1', email: 'Ann@Example.com', firstname: 'Ann', customerid: 'c-42' }), streamState('orders', 1)]);
  t.equal(result.code, 0, result.stderr);
  const text = readFileSync(debugPath, 'utf8');
  const [entry] = text.trim().split('\n').map((line) => JSON.parse(line));
  t.equal(entry.request.headers.Authorization, 'Basic [redacted]');
  t.same(entry.request.body[0].user_identities, { email: sha('ann@example.com'), customerid: sha('c-42') });
  t.same(entry.request.body[0].user_attributes, { firstname: sha('ann') });
  t.same(entry.records, { orders: [1] });
  for (const raw of ['ann@example.com', 'c-42', ...secretsOf(sim)]) t.notOk(text.includes(raw), `no ${raw} in the debug log`);
  t.same(sim.mparticle.accepted[0]?.batch.user_identities, { email: 'ann@example.com', customerid: 'c-42' }, 'while the API got the plain values');
});

t.test('the Singer target takes the same path', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = writeJson(dir, 'config.json', mparticleConfig(sim, { streams: [{ stream: 'orders', object: 'event', columns: [{ column: 'id', field: 'clientEventId' }] }] }));
  const input = jsonl([
    { type: 'SCHEMA', stream: 'orders', schema: { type: 'object', properties: { id: { type: 'string' } } }, key_properties: ['id'] },
    { type: 'RECORD', stream: 'orders', record: { id: 'o-1' } },
    { type: 'STATE', value: { bookmark: 1 } },
  ]);
  const result = await runCli(['--config', config], input, { bin: TARGET });
  t.equal(result.code, 0, result.stderr);
  t.same(result.stdout.filter(Boolean).map((line) => JSON.parse(line)), [{ bookmark: 1 }]);
  t.same(messageIds(sim), ['o-1']);
});
