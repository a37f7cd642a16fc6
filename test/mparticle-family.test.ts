/**
 * The Event and Audience API family in-process: which config it handles, its `check` probe, its
 * writer mapping rows and sending them through the real delivery layer (retries, isolation) over
 * HTTP to the simulator, the debug-log redaction and the rejected-records copy.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { Router } from '../src/catalog/routes.js';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { mparticleFamily } from '../src/mparticle/index.js';
import type { MparticleItem, MparticleRequest } from '../src/mparticle/item.js';
import { HttpClient } from '../src/rokt/http.js';
import { dryRunSender, httpSender } from '../src/rokt/sender.js';
import type { DryRunSink } from '../src/rokt/dry-run.js';
import { deliver, type DeliveryContext, type DeliveryResult } from '../src/sync/deliver.js';
import type { FamilyWriter, RoktObject } from '../src/sync/family.js';
import type { RecordInfo } from '../src/sync/records.js';
import { StreamRegistry } from '../src/sync/streams.js';
import type { RoktSimulator } from '../src/simulator/server.js';
import { startSimulator } from './helpers/sim.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const GUID = '6d2f1c4e-8b3a-4f5d-9e7c-1a2b3c4d5e6f';

function mparticleConfig(sim: RoktSimulator, extra: Record<string, unknown> = {}): Config {
  return parseConfig({
    mparticle_api_key: sim.mparticle.credentials.apiKey,
    mparticle_api_secret: sim.mparticle.credentials.apiSecret,
    mparticle_url: sim.url,
    streams: [
      { stream: 'orders', object: 'event' },
      { stream: 'vip', object: 'audience', audience_name: 'VIP' },
      { stream: 'churn', object: 'audience', audience_name: 'VIP', action: 'exclude' },
    ],
    ...extra,
  });
}

const delivery = (): DeliveryContext => ({
  policy: { maxRetries: 8, maxElapsedMs: 60_000, baseDelayMs: 1, maxDelayMs: 5, random: () => 0.5 },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: Date.now,
  counters: { requests: 0, retries: 0, splits: 0 },
});

/** A writer for one object, and helpers to map rows of a stream and send what the batches hand out. */
function harness(config: Config, object: RoktObject, options: { sender?: ReturnType<typeof httpSender>; now?: () => number } = {}) {
  const logs: string[] = [];
  const writer = mparticleFamily.writer({
    config,
    object,
    sender: options.sender ?? httpSender(new HttpClient({ timeoutMs: 5_000, maxSockets: 4 })),
    log: (level, message) => logs.push(`${level} ${message}`),
    now: options.now ?? Date.now,
  }) as FamilyWriter<MparticleItem, MparticleItem, MparticleRequest>;
  const router = new Router(config, undefined);
  const streams = new StreamRegistry();
  let line = 0;
  const map = (stream: string, data: Record<string, unknown>) => {
    line += 1;
    const record = { ref: {}, stream: streams.get({ name: stream }), line } as unknown as RecordInfo;
    const route = router.route({ name: stream });
    if (!route) throw new Error(`no route for ${stream}`);
    return writer.map({ record, data, route, nowMs: Date.now() });
  };
  const send = async (request: MparticleRequest): Promise<DeliveryResult<MparticleItem>> => {
    try {
      const result = await deliver(request.items, writer.target(request), delivery());
      writer.onSettled?.({ batch: request, ...result });
      return result;
    } finally {
      writer.batches.settled?.(request);
    }
  };
  /** Maps every row into the batches, then sends each request in turn. */
  const run = async (stream: string, rows: Record<string, unknown>[]) => {
    const requests: MparticleRequest[] = [];
    for (const row of rows) {
      const mapped = map(stream, row);
      if (!mapped.ok) throw new Error(mapped.rejection.reason);
      const added = writer.batches.add(mapped.value);
      if (!('ready' in added)) throw new Error('unexpected wait');
      requests.push(...added.ready);
    }
    requests.push(...writer.batches.takeAll());
    const results: DeliveryResult<MparticleItem>[] = [];
    for (const request of requests) results.push(await send(request));
    return results;
  };
  return { writer, logs, map, send, run };
}

t.test('handles: the key and secret send events and audiences, unless rokt_api says otherwise', async (t) => {
  const keys = { mparticle_api_key: 'k-1', mparticle_api_secret: 's-1' };
  const legacy = { account_id: '1', public_key: 'rpub-x', secret_key: 'rsec-x' };
  const handles = (config: Record<string, unknown>) => (['event', 'audience'] as const).map((object) => mparticleFamily.handles(parseConfig(config), object));
  t.same(handles(keys), [true, true]);
  t.same(handles({ ...keys, ...legacy }), [true, true], 'auto prefers this API when both are configured');
  t.same(handles({ ...keys, ...legacy, rokt_api: 'legacy' }), [false, false]);
  t.same(handles(legacy), [false, false]);
  t.same(handles({ ...legacy, rokt_api: 'mparticle' }), [true, true], 'forced (a dry run needs no credentials)');
  const config = parseConfig({ ...keys, mparticle_environment: 'development' });
  t.equal(mparticleFamily.describe(config, 'audience'), 'Audience changes use the Event and Audience API (https://s2s.us2.mparticle.com/v2/bulkevents, environment development), because mparticle_api_key and mparticle_api_secret are set.');
  t.same(mparticleFamily.derivedSecrets(config), [Buffer.from('k-1:s-1').toString('base64')]);
  t.same(mparticleFamily.probes(parseConfig(legacy), new HttpClient({ timeoutMs: 1000, maxSockets: 1 })), [], 'no probe without the key and secret');
  t.throws(() => mparticleFamily.writer({ config: parseConfig({ ...legacy, rokt_api: 'mparticle' }), object: 'event', sender: httpSender(new HttpClient({ timeoutMs: 1000, maxSockets: 1 })), log: () => {}, now: Date.now }), /rokt_api is "mparticle", but mparticle_api_key and mparticle_api_secret are not both set/);
  const audience = mparticleFamily.operations('audience');
  t.same(audience.map((operation) => operation.sync_mode), ['append', 'soft_delete']);
  t.ok(Object.keys(audience[0]?.json_schema.properties as object).includes('customerid'), 'audience rows may carry the customer id');
  t.ok(Object.keys(mparticleFamily.operations('event')[0]?.json_schema.properties as object).includes('iosadvertisingid'));
});

t.test('check: an empty bulk request tells good credentials from bad and writes nothing', async (t) => {
  const sim = await startSimulator(t);
  const http = new HttpClient({ timeoutMs: 5_000, maxSockets: 2 });
  const run = (config: Config) => Promise.all(mparticleFamily.probes(config, http).map((probe) => probe.run()));
  t.same(await run(mparticleConfig(sim)), [undefined]);
  sim.mparticle.configure({ emptyRequestStatus: 400 });
  t.same(await run(mparticleConfig(sim)), [undefined], 'a 400 for the empty array still means the key and secret passed');
  const [refused] = await run(mparticleConfig(sim, { mparticle_api_secret: 'wrong-secret' }));
  t.match(refused, /answered HTTP 403: the key and secret were refused \(a key works only on the pod it was issued for/);
  t.notOk(String(refused).includes('wrong-secret'));
  t.equal(sim.mparticle.accepted.length, 0, 'nothing written');
  t.equal(sim.requests.length, 3);
});

t.test('events: a request of batches, accepted; re-sent (a lost answer, a re-run) they are deduplicated by the API', async (t) => {
  const sim = await startSimulator(t);
  const { run, writer } = harness(mparticleConfig(sim), 'event');
  const rows = [1, 2, 3].map((n) => ({ clientEventId: `order-${n}`, email: `u${n}@example.com`, amount: n }));
  const [result] = await run('orders', rows);
  t.equal(result?.accepted.length, 3);
  t.equal(sim.requests.length, 1, 'one request');
  t.equal(sim.requests[0]?.headers.authorization, `Basic ${Buffer.from(`${sim.mparticle.credentials.apiKey}:${sim.mparticle.credentials.apiSecret}`).toString('base64')}`);
  t.same(sim.mparticle.accepted.map((entry) => (entry.batch.events as { data: { source_message_id: string } }[])[0]?.data.source_message_id), ['order-1', 'order-2', 'order-3']);
  // A second run of the same rows (a re-run from an older checkpoint): the same ids, dropped by the API.
  const again = harness(mparticleConfig(sim), 'event');
  const [second] = await again.run('orders', rows);
  t.equal(second?.accepted.length, 3, 'counted as accepted');
  t.equal(sim.mparticle.accepted.length, 3, 'not duplicated at the API');
  t.equal(sim.mparticle.duplicates.length, 3);
  t.same(writer.finish?.(), []);
});

t.test('a partial 202: the refused batches are rejected with the message, attributed by index or by position; the rest accepted', async (t) => {
  for (const errorLocation of ['index', 'position'] as const) {
    const sim = await startSimulator(t);
    sim.mparticle.configure({ errorLocation });
    sim.addFault({ clientEventId: 'order-2', times: Infinity, fault: { kind: 'unprocessed', clientEventIds: ['order-2', 'order-4'] } });
    const { run } = harness(mparticleConfig(sim), 'event');
    const [result] = await run('orders', [1, 2, 3, 4, 5].map((n) => ({ clientEventId: `order-${n}`, amount: n })));
    t.same(result?.accepted.map((item) => item.clientEventId), ['order-1', 'order-3', 'order-5'], errorLocation);
    t.same(result?.rejected.map(({ item }) => item.clientEventId), ['order-2', 'order-4']);
    t.match(result?.rejected[0]?.reason, /^the Event and Audience API refused the batch: BAD_REQUEST: Simulated refusal of value "\[value\]"\. Path '.*source_message_id', line 1, position \d+\.$/);
    t.equal(sim.requests.length, 1, `${errorLocation}: attributed without another request`);
  }
});

t.test('errors that name no batch: the request is split until each refused batch is alone; nothing is lost or doubled', async (t) => {
  const sim = await startSimulator(t);
  sim.mparticle.configure({ errorLocation: 'none' });
  sim.addFault({ clientEventId: 'order-3', times: Infinity, fault: { kind: 'unprocessed', clientEventIds: ['order-3'] } });
  const { run } = harness(mparticleConfig(sim), 'event');
  const [result] = await run('orders', [1, 2, 3, 4, 5, 6].map((n) => ({ clientEventId: `order-${n}` })));
  t.same(result?.accepted.map((item) => item.clientEventId).sort(), ['order-1', 'order-2', 'order-4', 'order-5', 'order-6']);
  t.same(result?.rejected.map(({ item }) => item.clientEventId), ['order-3']);
  t.match(result?.rejected[0]?.reason, /^Rokt refused it: HTTP 400 \(BAD_REQUEST: Simulated refusal of value "\[value\]"\.\)$/);
  t.ok(sim.requests.length > 1, 'isolated by further requests');
  const landed = sim.mparticle.accepted.map((entry) => entry.batch.source_request_id);
  t.equal(new Set(landed).size, 5, 'each accepted batch landed once; re-sent ones were dropped as duplicates');
});

t.test('faults: 5xx, resets, a lost answer and 429s are retried with the same ids; nothing lost or doubled', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v2/bulkevents', fault: { kind: 'status', status: 503 } });
  sim.addFault({ path: '/v2/bulkevents', fault: { kind: 'reset' } });
  sim.addFault({ path: '/v2/bulkevents', fault: { kind: 'drop-after-processing' } });
  sim.mparticle.throttle({ times: 2, retryAfterSeconds: 0, limit: 'acceleration' });
  const { run, logs, writer } = harness(mparticleConfig(sim, { batch_size: 2 }), 'event');
  const results = await run('orders', [1, 2, 3, 4].map((n) => ({ clientEventId: `order-${n}` })));
  t.same(results.flatMap((result) => result.accepted.map((item) => item.clientEventId)), ['order-1', 'order-2', 'order-3', 'order-4']);
  const bodies = sim.requests.filter((request) => request.path === '/v2/bulkevents').map((request) => (request.body as { source_request_id: string }[] | undefined)?.map((batch) => batch.source_request_id).join(','));
  t.ok(bodies.length >= 6, 'retried');
  t.equal(new Set(bodies.slice(0, 4)).size, 1, 'the first request keeps its ids on every retry');
  t.same(sim.mparticle.accepted.map((entry) => (entry.batch.events as { data: { source_message_id: string } }[])[0]?.data.source_message_id), ['order-1', 'order-2', 'order-3', 'order-4'], 'landed once each');
  t.ok(sim.mparticle.duplicates.length >= 2, 'the batches whose answer was lost came again and were dropped');
  t.match(logs.join('\n'), /WARN The Event and Audience API answered HTTP 429: rate limit exceeded \(X-mp-rate-limit-exceeded: acceleration\)/);
  t.match(writer.finish?.().join('\n'), /answered HTTP 429 to 2 requests \(by limit: acceleration: 2\)/);
});

t.test('401/403 stop the run with the credentials named', async (t) => {
  const sim = await startSimulator(t);
  const { run } = harness(mparticleConfig(sim, { mparticle_api_secret: 'wrong' }), 'event');
  await t.rejects(run('orders', [{ clientEventId: 'e1' }]), { name: 'FatalApiError', message: /mparticle_api_key\/mparticle_api_secret.*HTTP 403/, detail: { status: 403 } });
});

t.test('audiences: add → drop → add of one person all go, one at a time, in row order; the last wins', async (t) => {
  const sim = await startSimulator(t);
  const config = mparticleConfig(sim);
  const { writer, map, send } = harness(config, 'audience');
  const add = (stream: string, data: Record<string, unknown>) => {
    const mapped = map(stream, data);
    if (!mapped.ok) throw new Error(mapped.rejection.reason);
    return writer.batches.add(mapped.value);
  };
  const ready = (result: ReturnType<typeof add>) => ('ready' in result ? result.ready : t.fail('expected the change to be added'));
  t.same(ready(add('vip', { email: 'ann@example.com' })), []);
  t.same(ready(add('vip', { email: 'bob@example.com' })), []);
  const [withAdd] = ready(add('churn', { email: ' ANN@example.com' })) as MparticleRequest[];
  t.equal(withAdd?.items.length, 2, 'ann’s drop closed the request carrying her add');
  const [withDrop] = writer.batches.takeAll();
  // Sent out of order on purpose: the drop's request waits for the add's to settle.
  const dropSent = send(withDrop as MparticleRequest);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(sim.requests.length, 0, 'the drop did not go before the add');
  await send(withAdd as MparticleRequest);
  await dropSent;
  const readd = add('vip', { email: 'ann@example.com' });
  t.same(ready(readd), [], 'both settled: the next change goes into the open request');
  await send(writer.batches.takeAll()[0] as MparticleRequest);
  t.same(
    sim.mparticle.membershipChanges.filter((change) => change.person === sha('ann@example.com')).map((change) => change.status),
    ['add', 'drop', 'add'],
    'every change sent, none swallowed as a duplicate',
  );
  t.ok(sim.mparticle.audienceMembers('VIP').has(sha('ann@example.com')));
  const annTimes = sim.mparticle.accepted
    .filter((entry) => (entry.batch.user_identities as { other?: string }).other === sha('ann@example.com'))
    .map((entry) => (entry.batch.events as { data: { timestamp_unixtime_ms: number } }[])[0]?.data.timestamp_unixtime_ms as number);
  t.ok(annTimes.every((time, index) => index === 0 || time > (annTimes[index - 1] as number)), 'ann’s changes have increasing times');
  t.same(writer.summary?.(), { audience_lists: [{ list: 'VIP', action: 'include', members: 3 }, { list: 'VIP', action: 'exclude', members: 1 }] });
});

t.test('dry run: the exact bodies, without credentials, and no connection', async (t) => {
  const written: { method: string; url: string; body: unknown }[] = [];
  const sink = { requests: 0, write: (request: { method: string; url: string; body: unknown }) => void written.push(request) } as unknown as DryRunSink;
  const config = parseConfig({ rokt_api: 'mparticle', streams: [{ stream: 'orders', object: 'event' }] });
  const { run } = harness(config, 'event', { sender: dryRunSender(sink) });
  const [result] = await run('orders', [{ clientEventId: 'e1', email: 'a@b.co' }]);
  t.equal(result?.accepted.length, 1);
  t.equal(written[0]?.url, 'https://s2s.us2.mparticle.com/v2/bulkevents');
  t.match(written[0]?.body, [{ environment: 'production', user_identities: { other: sha('a@b.co') } }]);
});

t.test('device ids that are not GUIDs: the row goes without them, one warning per stream and field, counted at the end', async (t) => {
  const sim = await startSimulator(t);
  const { run, logs, writer } = harness(mparticleConfig(sim), 'event');
  const [result] = await run('orders', [
    { clientEventId: 'e1', iosadvertisingid: 'nope-1' },
    { clientEventId: 'e2', iosadvertisingid: 'nope-2' },
    { clientEventId: 'e3', iosadvertisingid: GUID },
  ]);
  t.equal(result?.accepted.length, 3);
  t.equal(logs.filter((line) => line.includes('iosadvertisingid')).length, 1);
  t.match(logs[0], /^WARN Stream "orders" line 1: iosadvertisingid is not a GUID .*; the row was sent without it/);
  t.notOk(logs.join('\n').includes('nope-'), 'the value is never printed');
  t.match(writer.finish?.().join('\n'), /Stream "orders": 2 rows were sent without their iosadvertisingid/);
  t.same(sim.mparticle.accepted.map((entry) => (entry.batch.device_info as Record<string, string> | undefined)?.ios_advertising_id), [undefined, undefined, GUID]);
});

t.test('the rejected-records copy: fields as sent under Rokt’s names, PII and device ids hashed', async (t) => {
  const sim = await startSimulator(t);
  const plain = harness(mparticleConfig(sim, { hash_pii: false }), 'event');
  const mapped = plain.map('orders', { clientEventId: 'e1', eventType: 'signup', email: 'Ann@Example.com', firstname: 'Ann', billingzipcode: '10 001', customerid: 'c-1', ipaddress: '192.0.2.1', iosadvertisingid: GUID, amount: 5, unmapped: 'dropped by the binding' });
  if (!mapped.ok) throw new Error(mapped.rejection.reason);
  const copy = plain.writer.rejectedCopy(mapped.value, { items: [mapped.value], bytes: 0, openedAt: 0, after: new Set(), settled: Promise.resolve() }) as Record<string, unknown>;
  t.same(copy, {
    clientEventId: 'e1',
    eventType: 'signup',
    eventTime: copy.eventTime,
    email: sha('ann@example.com'),
    customerid: sha('c-1'),
    firstname: sha('ann'),
    ipaddress: sha('192.0.2.1'),
    amount: '5',
    billingzipsha256: sha('10001'),
    iosadvertisingid: sha(GUID),
  });
  const audience = harness(mparticleConfig(sim), 'audience');
  const change = audience.map('churn', { email: 'ann@example.com', customerid: 'c-1' });
  if (!change.ok) throw new Error(change.rejection.reason);
  t.same(audience.writer.rejectedCopy(change.value, { items: [change.value], bytes: 0, openedAt: 0, after: new Set(), settled: Promise.resolve() }), { emailsha256: sha('ann@example.com'), customerid: sha('c-1'), list: 'VIP', action: 'exclude' });
});

t.test('the debug log’s copy of a body: identifiers hashed even with hash_pii off; answers without quoted values', async (t) => {
  const body = [
    {
      environment: 'production',
      user_identities: { email: 'ann@example.com', customerid: 'c-1', other: 'a'.repeat(64) },
      user_attributes: { firstname: 'ann', mobile: '7327572923', billingzipcode: '10001', dob: '19900101' },
      device_info: { ios_advertising_id: GUID, http_header_user_agent: 'Mozilla' },
      ip: '192.0.2.1',
      events: [],
    },
  ];
  t.same(mparticleFamily.redactLoggedBody(body), [
    {
      environment: 'production',
      user_identities: { email: sha('ann@example.com'), customerid: sha('c-1'), other: 'a'.repeat(64) },
      user_attributes: { firstname: sha('ann'), mobile: sha('7327572923'), billingzipcode: sha('10001'), dob: '19900101' },
      device_info: { ios_advertising_id: sha(GUID), http_header_user_agent: 'Mozilla' },
      ip: sha('192.0.2.1'),
      events: [],
    },
  ]);
  t.same(mparticleFamily.redactLoggedBody({ errors: [{ code: 'BAD_REQUEST', message: 'Error converting value &quot;ann@example.com&quot;.' }] }), { errors: [{ code: 'BAD_REQUEST', message: 'Error converting value "[value]".' }] });
  const legacy = { accountId: '1', events: [{ objectData: [] }] };
  t.equal(mparticleFamily.redactLoggedBody(legacy), legacy, 'other families’ bodies pass through');
});
