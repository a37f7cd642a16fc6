/**
 * The simulator's `/v2/bulkevents` over plain HTTP: authentication, the documented limits, batch
 * validation with JSON.NET-style located errors, deduplication by source_request_id, 429s, and the
 * same fault switches as the other endpoints.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { attributeError } from '../src/mparticle/answer.js';
import { bulkBody } from '../src/mparticle/body.js';
import type { MparticleItem } from '../src/mparticle/item.js';
import type { RecordInfo } from '../src/sync/records.js';
import { startSimulator } from './helpers/sim.js';

const GUID = '6d2f1c4e-8b3a-4f5d-9e7c-1a2b3c4d5e6f';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const batch = (id: string, extra: Record<string, unknown> = {}, attributes: Record<string, unknown> = { amount: '1' }) => ({
  environment: 'production',
  source_request_id: `req-${id}`,
  user_identities: { other: sha(`${id}@example.com`) },
  events: [{ event_type: 'custom_event', data: { event_name: 'conversion', custom_event_type: 'transaction', source_message_id: id, timestamp_unixtime_ms: Date.now(), custom_attributes: attributes } }],
  ...extra,
});
const membership = (id: string, person: string, status: 'add' | 'drop') => ({
  environment: 'production',
  source_request_id: `req-${id}`,
  user_identities: { other: person },
  events: [{ event_type: 'custom_event', data: { event_name: 'audiencemembershipupdate', custom_event_type: 'other', source_message_id: `msg-${id}`, custom_attributes: { audience_name: 'VIP', status } } }],
});

async function post(url: string, body: unknown, authorization?: string) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${url}/v2/bulkevents`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: text });
  const answer = await response.text();
  return { status: response.status, headers: response.headers, text: answer, json: answer ? JSON.parse(answer) : undefined, sent: text };
}

t.test('authentication: 401 without Basic auth, 403 with other credentials, empty bodies', async (t) => {
  const sim = await startSimulator(t);
  t.same(await post(sim.url, []).then((r) => [r.status, r.text]), [401, '']);
  const wrong = `Basic ${Buffer.from(`${sim.mparticle.credentials.apiKey}:nope`).toString('base64')}`;
  t.same(await post(sim.url, [], wrong).then((r) => [r.status, r.text]), [403, '']);
  t.equal(sim.mparticle.accepted.length, 0);
});

t.test('accepted batches are recorded; a batch whose source_request_id was seen is dropped silently', async (t) => {
  const sim = await startSimulator(t);
  const auth = `Basic ${Buffer.from(`${sim.mparticle.credentials.apiKey}:${sim.mparticle.credentials.apiSecret}`).toString('base64')}`;
  t.same(await post(sim.url, [], auth).then((r) => [r.status, r.text]), [202, ''], 'an empty array: 202 by default');
  sim.mparticle.configure({ emptyRequestStatus: 400 });
  t.equal((await post(sim.url, [], auth)).status, 400);
  const first = await post(sim.url, [batch('a'), batch('b')], auth);
  t.same([first.status, first.text], [202, '']);
  const again = await post(sim.url, [batch('b'), batch('c')], auth);
  t.equal(again.status, 202);
  t.same(sim.mparticle.accepted.map((entry) => entry.batch.source_request_id), ['req-a', 'req-b', 'req-c']);
  t.same(sim.mparticle.duplicates.map((entry) => entry.batch.source_request_id), ['req-b']);
  sim.mparticle.configure({ successStatus: 200 });
  t.equal((await post(sim.url, [batch('d')], auth)).status, 200);
});

t.test('refused batches are named in a 202 (or a 400 when all are refused), by index, by position only, or not at all', async (t) => {
  const sim = await startSimulator(t);
  const auth = `Basic ${Buffer.from(`${sim.mparticle.credentials.apiKey}:${sim.mparticle.credentials.apiSecret}`).toString('base64')}`;
  const body = [batch('a'), batch('b', { device_info: { ios_advertising_id: 'not-a-guid' } }), batch('c')];
  const byIndex = await post(sim.url, body, auth);
  t.equal(byIndex.status, 202);
  t.equal(byIndex.json.errors.length, 1);
  t.match(byIndex.json.errors[0], { code: 'BAD_REQUEST', message: /^Error converting value &quot;not-a-guid&quot; to type 'System.Guid'\. Path '\[1\]\.device_info\.ios_advertising_id', line 1, position \d+\.$/ });
  t.same(sim.mparticle.accepted.map((entry) => entry.batch.source_request_id), ['req-a', 'req-c'], 'the others are accepted');

  sim.mparticle.configure({ errorLocation: 'position' });
  const items = [batch('d'), batch('e', { ip: '999.1.1.1' }), batch('f', {}, { nested: { not: 'scalar' } })].map((entry) => {
    const json = JSON.stringify(entry);
    return { record: {} as RecordInfo, json, bytes: Buffer.byteLength(json) } satisfies MparticleItem;
  });
  const { text, spans } = bulkBody(items);
  const byPosition = await post(sim.url, text, auth);
  t.equal(byPosition.status, 202);
  const messages = byPosition.json.errors.map((error: { message: string }) => error.message);
  t.equal(messages.length, 2);
  for (const message of messages) t.notMatch(message, /Path '\[/, 'no index in the path');
  t.same(
    messages.map((message: string) => attributeError(message, spans)),
    [1, 2],
    'each position lies inside its batch',
  );
  t.match(messages[1], /Path 'events\[0\]\.data\.custom_attributes\.nested'/);

  sim.mparticle.configure({ errorLocation: 'none' });
  const located = await post(sim.url, [batch('g'), batch('h', {}, { long: 'x'.repeat(4097) })], auth);
  t.notMatch(located.json.errors[0].message, /Path|position/);
  const allBad = await post(sim.url, [batch('i', { environment: 'staging' })], auth);
  t.equal(allBad.status, 400, 'every batch refused: 400');
});

t.test('limits: 100 batches, under 256 KB per request, 128 KB per batch, 100 custom attributes', async (t) => {
  const sim = await startSimulator(t);
  const auth = `Basic ${Buffer.from(`${sim.mparticle.credentials.apiKey}:${sim.mparticle.credentials.apiSecret}`).toString('base64')}`;
  t.equal((await post(sim.url, Array.from({ length: 101 }, (_, index) => batch(`n${index}`)), auth)).status, 400);
  t.equal((await post(sim.url, Array.from({ length: 100 }, (_, index) => batch(`m${index}`)), auth)).status, 202);
  const fat = (id: string) => batch(id, {}, Object.fromEntries(Array.from({ length: 32 }, (_, index) => [`a${index}`, 'x'.repeat(4000)])));
  t.equal((await post(sim.url, [fat('f1'), fat('f2')], auth)).status, 413, 'two 128 KB batches pass 256 KB');
  const huge = batch('h', { user_attributes: Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`u${index}`, 'x'.repeat(4000)])) });
  const refused = await post(sim.url, [batch('ok'), huge], auth);
  t.match(refused.json.errors[0].message, /a batch may hold at most 128000 bytes/);
  const many = await post(sim.url, [batch('many', {}, Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`k${index}`, 'v'])))], auth);
  t.equal(many.status, 400);
  t.equal((await post(sim.url, '[{"broken": ', auth)).status, 400, 'invalid JSON');
  t.equal((await post(sim.url, { not: 'an array' }, auth)).status, 400);
  t.equal((await post(sim.url, [batch('dollar', { user_attributes: { $reserved: 'x' } })], auth)).status, 400);
  t.equal((await post(sim.url, [batch('guid', { device_info: { ios_idfv: GUID } })], auth)).status, 202);
});

t.test('429 with Retry-After and X-mp-rate-limit-exceeded; the fault switches of the other endpoints', async (t) => {
  const sim = await startSimulator(t);
  const auth = `Basic ${Buffer.from(`${sim.mparticle.credentials.apiKey}:${sim.mparticle.credentials.apiSecret}`).toString('base64')}`;
  sim.mparticle.throttle({ times: 1, retryAfterSeconds: 2, limit: 'acceleration' });
  const throttled = await post(sim.url, [batch('t')], auth);
  t.equal(throttled.status, 429);
  t.equal(throttled.headers.get('retry-after'), '2');
  t.equal(throttled.headers.get('x-mp-rate-limit-exceeded'), 'acceleration');
  t.equal((await post(sim.url, [batch('t')], auth)).status, 202, 'only as many as asked');

  sim.addFault({ path: '/v2/bulkevents', fault: { kind: 'status', status: 503 } });
  t.equal((await post(sim.url, [batch('u')], auth)).status, 503);
  sim.addFault({ clientEventId: 'w', fault: { kind: 'unprocessed', clientEventIds: ['w'] } });
  const partial = await post(sim.url, [batch('v'), batch('w')], auth);
  t.equal(partial.status, 202);
  t.match(partial.json.errors[0].message, /^Simulated refusal of value &quot;w&quot;\. Path '\[1\]\.events\[0\]\.data\.source_message_id'/);
  t.same(sim.mparticle.accepted.map((entry) => entry.batch.source_request_id), ['req-t', 'req-v']);
  sim.addFault({ path: '/v2/bulkevents', fault: { kind: 'drop-after-processing' } });
  await t.rejects(post(sim.url, [batch('x')], auth), 'the answer is lost');
  t.equal(sim.mparticle.accepted.at(-1)?.batch.source_request_id, 'req-x', 'but the batch was processed');
});

t.test('audience membership events add and drop members in the order processed', async (t) => {
  const sim = await startSimulator(t);
  const auth = `Basic ${Buffer.from(`${sim.mparticle.credentials.apiKey}:${sim.mparticle.credentials.apiSecret}`).toString('base64')}`;
  const ann = sha('ann@example.com');
  await post(sim.url, [membership('1', ann, 'add'), membership('2', 'b'.repeat(64), 'add')], auth);
  t.same([...sim.mparticle.audienceMembers('VIP')].sort(), [ann, 'b'.repeat(64)]);
  await post(sim.url, [membership('3', ann, 'drop')], auth);
  t.same([...sim.mparticle.audienceMembers('VIP')], ['b'.repeat(64)]);
  t.same(
    sim.mparticle.membershipChanges.map((change) => change.status),
    ['add', 'add', 'drop'],
  );
});
