import { createHash } from 'node:crypto';
import t from 'tap';
import {
  DEFAULT_SIMULATOR_CREDENTIALS as CREDS,
  RoktSimulator,
  type RecordedRequest,
  type SimulatorOptions,
} from '../src/simulator/server.js';

// A fixed, movable clock so token expiry and the eventTime window are tested without sleeping.
const START_MS = Date.parse('2026-06-01T12:00:00.000Z');
const MONTH_MS = 30 * 24 * 3600 * 1000;

interface Simulated {
  sim: RoktSimulator;
  clock: { ms: number };
}

async function startSimulator(test: { teardown: (fn: () => unknown) => void }, options: SimulatorOptions = {}): Promise<Simulated> {
  const clock = { ms: START_MS };
  const sim = new RoktSimulator({ now: () => clock.ms, ...options });
  await sim.start();
  test.teardown(() => sim.stop());
  return { sim, clock };
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function call(
  url: string,
  path: string,
  { method = 'POST', headers = {}, body, signal }: { method?: string; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {},
): Promise<Reply> {
  const payload = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(url + path, { method, headers, body: payload, signal });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const V2_HEADERS = { authorization: basic(CREDS.publicKey, CREDS.secretKey), 'rokt-version': '2020-05-21', 'content-type': 'application/json' };
const V3_HEADERS = { authorization: basic(CREDS.publicKey, CREDS.secretKey), 'content-type': 'application/json' };
const V1_0_HEADERS = { authorization: CREDS.apiKey, 'content-type': 'application/json' };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function event(clientEventId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clientEventId,
    eventType: 'conversion',
    eventTime: new Date(START_MS - 60_000).toISOString(),
    objectData: [{ name: 'email', value: 'a@example.com' }, { name: 'amount', value: '9.99' }],
    ...extra,
  };
}

const eventsBody = (...events: unknown[]) => ({ accountId: CREDS.accountId, events });
const postV2 = (url: string, body: unknown, headers: Record<string, string> = V2_HEADERS) => call(url, '/v2/events', { headers, body });

async function fetchToken(url: string, field = 'access_token'): Promise<string> {
  const reply = await call(url, '/auth/oauth2/token', {
    headers: { authorization: basic(CREDS.appId, CREDS.appSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return reply.json[field];
}

const v1Headers = (token: string, idempotencyKey?: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'rokt-version': '2020-05-21',
  'content-type': 'application/json',
  ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
});

t.test('v1: OAuth token, event accepted, 409 on a reused Idempotency-Key, token expiry', async (t) => {
  const { sim, clock } = await startSimulator(t, { tokenTtlSeconds: 60 });
  const tokenReply = await call(sim.url, '/auth/oauth2/token', {
    headers: { authorization: basic(CREDS.appId, CREDS.appSecret) },
    body: 'grant_type=client_credentials',
  });
  t.equal(tokenReply.status, 200);
  t.match(tokenReply.json, { access_token: String, token_type: 'Bearer', expires_in: 60 });
  t.match(tokenReply.headers.get('content-type'), /application\/json/);
  const token: string = tokenReply.json.access_token;

  const first = await call(sim.url, '/v1/events', { headers: v1Headers(token, 'key-1'), body: eventsBody(event('e1')) });
  t.equal(first.status, 200);
  t.same(first.json, { data: { unprocessedRecords: [] } });
  t.same(sim.acceptedEvents.map((a) => [a.clientEventId, a.requestSeq, a.order]), [['e1', 2, 1]]);

  const reused = await call(sim.url, '/v1/events', { headers: v1Headers(token, 'key-1'), body: eventsBody(event('e2')) });
  t.equal(reused.status, 409, 'a key already used gets 409');
  t.equal(sim.acceptedEvents.length, 1, 'and nothing is accepted');

  const noKey = await call(sim.url, '/v1/events', { headers: v1Headers(token), body: eventsBody(event('e3')) });
  t.equal(noKey.status, 400, 'Idempotency-Key is required');

  clock.ms += 61_000;
  const expired = await call(sim.url, '/v1/events', { headers: v1Headers(token, 'key-2'), body: eventsBody(event('e4')) });
  t.equal(expired.status, 401, 'the token expires after expires_in');
  t.equal(expired.json.data.code, 'UnauthorizedError');
  t.same(sim.requests.map((r) => r.status), [200, 200, 409, 400, 401]);
  t.same(sim.requests[0]?.body, { grant_type: 'client_credentials' }, 'the form body is recorded parsed');
});

t.test('token endpoint: Access_token spelling, wrong credentials, wrong grant type', async (t) => {
  const { sim } = await startSimulator(t, { tokenField: 'Access_token' });
  const token = await fetchToken(sim.url, 'Access_token');
  t.type(token, 'string');
  const accepted = await call(sim.url, '/v1/events', { headers: v1Headers(token, 'k'), body: eventsBody(event('e1')) });
  t.equal(accepted.status, 200);

  const wrong = await call(sim.url, '/auth/oauth2/token', { headers: { authorization: basic(CREDS.appId, 'nope') }, body: 'grant_type=client_credentials' });
  t.same([wrong.status, wrong.json], [401, { error: 'invalid_client' }]);
  const grant = await call(sim.url, '/auth/oauth2/token', { headers: { authorization: basic(CREDS.appId, CREDS.appSecret) }, body: 'grant_type=password' });
  t.equal(grant.status, 400);
});

t.test('v2 events: Basic auth, account, Rokt-Version and JSON checks', async (t) => {
  const { sim } = await startSimulator(t);
  const answered: RecordedRequest[] = [];
  sim.on('request', (request: RecordedRequest) => answered.push(request));

  const ok = await postV2(sim.url, eventsBody(event('a'), event('b')));
  t.equal(ok.status, 200);
  t.same(sim.acceptedEvents.map((a) => a.clientEventId), ['a', 'b']);
  t.same(sim.acceptedEvents[0]?.event, event('a'), 'the event is recorded as sent');

  const wrongKey = await postV2(sim.url, eventsBody(event('c')), { ...V2_HEADERS, authorization: basic(CREDS.publicKey, 'rsec-wrong') });
  t.same([wrongKey.status, wrongKey.json.data.code], [401, 'UnauthorizedError']);
  const otherAccount = await postV2(sim.url, { ...eventsBody(event('c')), accountId: '999' });
  t.same([otherAccount.status, otherAccount.json.data.code], [403, 'Forbidden']);
  const { 'rokt-version': _dropped, ...withoutVersion } = V2_HEADERS;
  const noVersion = await postV2(sim.url, eventsBody(event('c')), withoutVersion);
  t.same([noVersion.status, noVersion.json.data.code], [400, 'RequestValidationError']);
  const badJson = await postV2(sim.url, '{"accountId":');
  t.same([badJson.status, badJson.json.data.code], [400, 'RequestJsonUnmarshalError']);

  t.equal(sim.acceptedEvents.length, 2, 'refused requests accept nothing');
  t.same(answered.map((r) => r.status), [200, 401, 403, 400, 400], "'request' is emitted once per answered request");
  t.same(sim.requests.map((r) => r.seq), [1, 2, 3, 4, 5]);
});

t.test('validation refuses the whole request and names the event', async (t) => {
  const { sim } = await startSimulator(t);
  const old = new Date(START_MS - 19 * MONTH_MS).toISOString();
  const tooOld = await postV2(sim.url, eventsBody(event('fine'), event('old', { eventTime: old })));
  t.equal(tooOld.status, 400);
  t.equal(tooOld.json.data.code, 'RequestValidationError');
  t.match(tooOld.json.data.message, /events\[1\].*"old".*18 months/);

  const future = await postV2(sim.url, eventsBody(event('soon', { eventTime: new Date(START_MS + 6 * 60_000).toISOString() })));
  t.match([future.status, future.json.data.message], [400, /future/]);
  const nearFuture = await postV2(sim.url, eventsBody(event('near', { eventTime: new Date(START_MS + 4 * 60_000).toISOString() })));
  t.equal(nearFuture.status, 200, 'up to 5 minutes ahead is fine');
  const notUtc = await postV2(sim.url, eventsBody(event('tz', { eventTime: '2026-06-01T12:00:00+02:00' })));
  t.match([notUtc.status, notUtc.json.data.message], [400, /RFC 3339/]);

  const reserved = await postV2(sim.url, eventsBody(event('r', { metaData: [{ name: 'Rokt.Source', value: 'x' }] })));
  t.match([reserved.status, reserved.json.data.message], [400, /metaData\[0\].*reserved/]);
  const objectNotArray = await postV2(sim.url, eventsBody(event('o', { objectData: { amount: '1' } })));
  t.match([objectNotArray.status, objectNotArray.json.data.message], [400, /objectData/]);
  const numberValue = await postV2(sim.url, eventsBody(event('n', { objectData: [{ name: 'amount', value: 9.99 }] })));
  t.equal(numberValue.status, 400, 'values must be strings');
  const longId = await postV2(sim.url, eventsBody(event('x'.repeat(37))));
  t.match([longId.status, longId.json.data.message], [400, /clientEventId/]);
  const noType = await postV2(sim.url, eventsBody({ clientEventId: 'nt' }));
  t.match([noType.status, noType.json.data.message], [400, /eventType/]);
  const tooMany = await postV2(sim.url, eventsBody(...Array.from({ length: 101 }, (_, i) => event(`e${i}`))));
  t.match([tooMany.status, tooMany.json.data.message], [400, /at most 100/]);
  const empty = await postV2(sim.url, eventsBody());
  t.equal(empty.status, 400);
  const huge = await postV2(sim.url, eventsBody(event('big', { metaData: Array.from({ length: 20 }, (_, i) => ({ name: `m${i}`, value: 'x'.repeat(60_000) })) })));
  t.equal(huge.status, 413, 'a body over 1,000,000 bytes');

  t.same(sim.acceptedEvents.map((a) => a.clientEventId), ['near']);
});

t.test("eventsSuccessBody 'empty' answers 200 with no body", async (t) => {
  const { sim } = await startSimulator(t, { eventsSuccessBody: 'empty' });
  const reply = await postV2(sim.url, eventsBody(event('a')));
  t.same([reply.status, reply.text], [200, '']);
  t.equal(sim.acceptedEvents.length, 1);
});

t.test('unprocessed fault: the listed events come back, the rest are accepted', async (t) => {
  const { sim } = await startSimulator(t, { eventsSuccessBody: 'empty' });
  sim.addFault({ path: '/v2/events', fault: { kind: 'unprocessed', clientEventIds: ['bad', 'absent'] } });
  const reply = await postV2(sim.url, eventsBody(event('good'), event('bad')));
  t.equal(reply.status, 200);
  t.match(reply.json, { data: { unprocessedRecords: [{ error: { code: 'ValidationError', message: String }, record: event('bad') }] } });
  t.equal(reply.json.data.unprocessedRecords.length, 1);
  t.same(sim.acceptedEvents.map((a) => a.clientEventId), ['good']);

  const again = await postV2(sim.url, eventsBody(event('bad')));
  t.same([again.status, again.text], [200, ''], 'the rule applied once');
});

t.test('status faults: Retry-After, times, path and clientEventId filters', async (t) => {
  const { sim } = await startSimulator(t);
  sim.addFault({ path: '/v2/events', times: 2, fault: { kind: 'status', status: 429, retryAfterSeconds: 7 } });
  sim.addFault({ path: /suppression$/, fault: { kind: 'status', status: 503 } });
  sim.addFault({ clientEventId: 'poison', times: Infinity, fault: { kind: 'status', status: 500, body: 'upstream exploded' } });

  for (let attempt = 0; attempt < 2; attempt++) {
    const limited = await postV2(sim.url, eventsBody(event('a')));
    t.same([limited.status, limited.headers.get('retry-after'), limited.json.data.code], [429, '7', 'TooManyRequests']);
  }
  t.equal((await postV2(sim.url, eventsBody(event('a')))).status, 200, 'used up after times');

  const audience = await call(sim.url, '/api/1.0/import/suppression', { headers: V1_0_HEADERS, body: { action: 'include', email: 'a@x.com' } });
  t.same([audience.status, audience.json.data.code], [503, 'ServiceUnavailableError']);
  t.same([...sim.audienceMembers('AdvertiserDatabase')], [], 'a status fault processes nothing');

  for (let attempt = 0; attempt < 3; attempt++) {
    const poisoned = await postV2(sim.url, eventsBody(event('ok'), event('poison')));
    t.same([poisoned.status, poisoned.text], [500, 'upstream exploded']);
  }
  t.same(sim.acceptedEvents.map((a) => a.clientEventId), ['a']);
});

t.test('reset: the client sees a socket error and nothing is accepted', async (t) => {
  const { sim } = await startSimulator(t);
  sim.addFault({ path: '/v2/events', fault: { kind: 'reset' } });
  await t.rejects(postV2(sim.url, eventsBody(event('a'))));
  t.equal(sim.acceptedEvents.length, 0);
  t.equal(sim.requests[0]?.status, 'reset');
  t.equal((await postV2(sim.url, eventsBody(event('a')))).status, 200, 'the next request goes through');
});

t.test('drop-after-processing: accepted and key recorded, but no answer', async (t) => {
  const { sim } = await startSimulator(t);
  sim.addFault({ path: '/v1/events', fault: { kind: 'drop-after-processing' } });
  const token = await fetchToken(sim.url);
  await t.rejects(call(sim.url, '/v1/events', { headers: v1Headers(token, 'k1'), body: eventsBody(event('a')) }));
  t.same(sim.acceptedEvents.map((a) => a.clientEventId), ['a'], 'the events landed');
  t.equal(sim.requests[1]?.status, 'dropped');
  const retry = await call(sim.url, '/v1/events', { headers: v1Headers(token, 'k1'), body: eventsBody(event('a')) });
  t.equal(retry.status, 409, 'a retry with the same key learns it had landed');
});

t.test('a content refusal fault does not apply to a replayed Idempotency-Key: the replay gets 409', async (t) => {
  const { sim } = await startSimulator(t);
  const token = await fetchToken(sim.url);
  t.equal((await call(sim.url, '/v1/events', { headers: v1Headers(token, 'k1'), body: eventsBody(event('a')) })).status, 200);
  sim.addFault({ path: '/v1/events', fault: { kind: 'status', status: 400 } });
  const replay = await call(sim.url, '/v1/events', { headers: v1Headers(token, 'k1'), body: eventsBody(event('a')) });
  t.equal(replay.status, 409, 'an idempotent API answers a used key from its record');
  const fresh = await call(sim.url, '/v1/events', { headers: v1Headers(token, 'k2'), body: eventsBody(event('b')) });
  t.equal(fresh.status, 400, 'a new key still gets the fault');
  sim.addFault({ path: '/v1/events', fault: { kind: 'status', status: 503 } });
  t.equal((await call(sim.url, '/v1/events', { headers: v1Headers(token, 'k1'), body: eventsBody(event('a')) })).status, 503, 'outages still hit replays');
  t.same(sim.acceptedEvents.map((accepted) => accepted.clientEventId), ['a']);
});

t.test('drop-after-processing only counts requests that passed validation', async (t) => {
  const { sim } = await startSimulator(t);
  sim.addFault({ fault: { kind: 'drop-after-processing' } });
  t.equal((await postV2(sim.url, eventsBody())).status, 400);
  await t.rejects(postV2(sim.url, eventsBody(event('a'))));
  t.equal(sim.acceptedEvents.length, 1);
});

t.test('delay: processed at once, answered late (the client may give up)', async (t) => {
  const { sim } = await startSimulator(t);
  sim.addFault({ path: '/v2/events', fault: { kind: 'delay', ms: 60_000 } });
  const answered = new Promise<RecordedRequest>((resolve) => sim.once('request', resolve));
  await t.rejects(call(sim.url, '/v2/events', { headers: V2_HEADERS, body: eventsBody(event('a')), signal: AbortSignal.timeout(100) }));
  t.same(sim.acceptedEvents.map((a) => a.clientEventId), ['a']);
  t.equal(sim.requests[0]?.status, 0, 'still pending');
  sim.addFault({ path: '/v2/events', fault: { kind: 'delay', ms: 1 } });
  t.equal((await postV2(sim.url, eventsBody(event('b')))).status, 200);
  t.equal((await answered).seq, 2, 'the short delay answered; stop() cancels the long one');
});

t.test('audience v3: include, exclude, membership, account and key checks', async (t) => {
  const { sim } = await startSimulator(t);
  const hashes = [sha256('a@x.com'), sha256('b@x.com')];
  const include = await call(sim.url, '/v3/import/suppression', {
    headers: V3_HEADERS,
    body: { accountId: CREDS.accountId, action: 'include', list: 'vips', sha256s: hashes.map((h) => h.toUpperCase()) },
  });
  t.same([include.status, include.json], [201, {}]);
  const exclude = await call(sim.url, '/v3/import/suppression', {
    headers: V3_HEADERS,
    body: { accountId: CREDS.accountId, action: 'exclude', list: 'vips', sha256: hashes[0] },
  });
  t.equal(exclude.status, 201);
  t.same([...sim.audienceMembers('vips')], [hashes[1]], 'hex digests compare case-insensitively');
  t.match(sim.audienceOps, [
    { requestSeq: 1, order: 1, list: 'vips', action: 'include', key: 'sha256s', api: 'v3' },
    { requestSeq: 2, order: 2, list: 'vips', action: 'exclude', key: 'sha256', identifiers: [hashes[0]], api: 'v3' },
  ]);
  t.equal(sim.acceptedOrder(), 2);

  const otherAccount = await call(sim.url, '/v3/import/suppression', { headers: V3_HEADERS, body: { accountId: '1', action: 'include', email: 'c@x.com' } });
  t.equal(otherAccount.status, 403);
  const wrongKey = await call(sim.url, '/v3/import/suppression', {
    headers: { ...V3_HEADERS, authorization: basic('rpub-x', 'rsec-y') },
    body: { accountId: CREDS.accountId, action: 'include', email: 'c@x.com' },
  });
  t.equal(wrongKey.status, 401);
  const badHash = await call(sim.url, '/v3/import/suppression', {
    headers: V3_HEADERS,
    body: { accountId: CREDS.accountId, action: 'include', sha256s: [hashes[0], 'not-a-hash'] },
  });
  t.match([badHash.status, badHash.json.data.message], [400, /sha256s\[1\]/]);

  const check = await call(sim.url, '/v3/auth-check', { headers: V3_HEADERS, body: { accountId: CREDS.accountId } });
  t.same([check.status, check.json], [200, {}]);
  t.equal((await call(sim.url, '/v3/auth-check', { headers: V3_HEADERS, body: { accountId: '1' } })).status, 403);
  t.equal(sim.audienceOps.length, 2, 'refused imports change nothing');
});

t.test('audience api/1.0: raw API key, default list, mixed keys refused', async (t) => {
  const { sim } = await startSimulator(t, { audienceSuccessStatus: 200 });
  const include = await call(sim.url, '/api/1.0/import/suppression', { headers: V1_0_HEADERS, body: { action: 'include', emails: ['a@x.com', 'b@x.com'] } });
  t.equal(include.status, 200);
  await call(sim.url, '/api/1.0/import/suppression', { headers: V1_0_HEADERS, body: { action: 'exclude', email: 'a@x.com' } });
  t.same([...sim.audienceMembers('AdvertiserDatabase')], ['b@x.com']);
  t.same(sim.audienceOps.map((op) => [op.api, op.action, op.key, op.identifiers]), [
    ['1.0', 'include', 'emails', ['a@x.com', 'b@x.com']],
    ['1.0', 'exclude', 'email', ['a@x.com']],
  ]);

  const mixed = await call(sim.url, '/api/1.0/import/suppression', { headers: V1_0_HEADERS, body: { action: 'include', emails: ['c@x.com'], sha256: sha256('c@x.com') } });
  t.match([mixed.status, mixed.json.data.message], [400, /exactly one/]);
  const noAction = await call(sim.url, '/api/1.0/import/suppression', { headers: V1_0_HEADERS, body: { emails: ['c@x.com'] } });
  t.equal(noAction.status, 400);
  const emptyList = await call(sim.url, '/api/1.0/import/suppression', { headers: V1_0_HEADERS, body: { action: 'include', emails: [] } });
  t.equal(emptyList.status, 400);
  const bearer = await call(sim.url, '/api/1.0/import/suppression', { headers: { authorization: `Bearer ${CREDS.apiKey}` }, body: { action: 'include', email: 'c@x.com' } });
  t.equal(bearer.status, 401, 'the key goes raw, without a scheme');

  t.equal((await call(sim.url, '/api/1.0/auth-check', { method: 'GET', headers: { authorization: CREDS.apiKey } })).status, 200);
  t.equal((await call(sim.url, '/api/1.0/auth-check', { method: 'GET', headers: { authorization: 'nope' } })).status, 401);
  t.equal(sim.audienceOps.length, 2);
});

t.test('unknown paths get 404, wrong methods 405', async (t) => {
  const { sim } = await startSimulator(t);
  t.equal((await call(sim.url, '/v9/events', { headers: V2_HEADERS, body: eventsBody(event('a')) })).status, 404);
  const wrongMethod = await call(sim.url, '/v2/events', { method: 'GET' });
  t.same([wrongMethod.status, wrongMethod.headers.get('allow')], [405, 'POST']);
});

t.test('stop() closes idle keep-alive connections and pending answers', async (t) => {
  const sim = new RoktSimulator({ latencyMs: 60_000, now: () => START_MS });
  const url = await sim.start();
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const pending = call(url, '/v2/events', { headers: V2_HEADERS, body: eventsBody(event('a')) });
  await new Promise<void>((resolve) => {
    const waitForRecord = () => (sim.requests.length > 0 ? resolve() : setImmediate(waitForRecord));
    waitForRecord();
  });
  await sim.stop();
  await t.rejects(pending, 'the pending request is cut off');
  t.equal(sim.acceptedEvents.length, 1, 'it was processed before the latency wait');
});
