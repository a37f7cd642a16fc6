/**
 * Rows as Event and Audience API batches, field by field (pure functions, in-process). Expected
 * digests are computed here from the normalized values, independently of the mapper.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import type { AudiencePlan } from '../src/rules/map-audience.js';
import type { EventPlan } from '../src/rules/map-event.js';
import { fieldPlan } from '../src/catalog/plan.js';
import { streamBindingSchema } from '../src/config/schema.js';
import { mapAudienceBatch } from '../src/mparticle/map-audience.js';
import { mapEventBatch } from '../src/mparticle/map-event.js';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');
const ORDERS = { name: 'orders' };
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const eventPlan = (overrides: Partial<EventPlan> = {}): EventPlan => ({ ...fieldPlan(ORDERS, undefined), hashPii: true, idFromPrimaryKey: [], defaultEventType: 'conversion', ...overrides });
const audiencePlan = (overrides: Partial<AudiencePlan> = {}): AudiencePlan => ({ ...fieldPlan({ name: 'vip' }, undefined), hashPii: true, defaultList: 'VIP', action: 'include', ...overrides });
const GUID = '6d2f1c4e-8b3a-4f5d-9e7c-1a2b3c4d5e6f';

function eventBatch(data: Record<string, unknown>, plan = eventPlan(), nowMs = NOW) {
  const mapped = mapEventBatch({ data, plan, nowMs, environment: 'production' });
  if (!mapped.ok) throw new Error(`rejected: ${mapped.rejection.reason}`);
  return { ...mapped.value, batch: JSON.parse(mapped.value.json) };
}

t.test('a conversion: every field in its place, PII hashed, the click id under Rokt’s module', async (t) => {
  const { batch, bytes, json, clientEventId, dropped } = eventBatch({
    clientEventId: 'order-1001',
    eventType: 'conversion',
    eventTime: '2026-11-27T10:00:00+02:00',
    email: '  John.Doe@Example.COM ',
    firstname: ' Mary Ann ',
    lastname: 'SMITH',
    mobile: '(732) 757-2923',
    billingzipcode: ' SW1A 1AA ',
    customerid: 'u-123',
    passbackconversiontrackingid: 'rtid-abc',
    useragent: 'Mozilla/5.0',
    iosadvertisingid: GUID,
    dob: '19900515',
    zipcode: '10001',
    conversiontype: 'purchase',
    amount: 49.99,
    currency: 'USD',
    confirmationref: 1001,
    channel: 'web',
  });
  t.equal(clientEventId, 'order-1001');
  t.same(dropped, []);
  t.equal(bytes, Buffer.byteLength(json));
  t.same(batch, {
    environment: 'production',
    source_request_id: batch.source_request_id,
    user_identities: { other: sha('john.doe@example.com'), customerid: 'u-123' },
    user_attributes: {
      firstnamesha256: sha('maryann'),
      lastnamesha256: sha('smith'),
      mobilesha256: sha('7327572923'),
      billingzipsha256: sha('sw1a1aa'),
      dob: '19900515',
      zip: '10001',
    },
    device_info: { http_header_user_agent: 'Mozilla/5.0', ios_advertising_id: GUID },
    integration_attributes: { '1277': { passbackconversiontrackingid: 'rtid-abc' } },
    events: [
      {
        event_type: 'custom_event',
        data: {
          event_name: 'conversion',
          custom_event_type: 'transaction',
          source_message_id: 'order-1001',
          timestamp_unixtime_ms: Date.parse('2026-11-27T08:00:00.000Z'),
          custom_attributes: { conversiontype: 'purchase', amount: '49.99', currency: 'USD', confirmationref: '1001', channel: 'web' },
        },
      },
    ],
  });
  t.match(batch.source_request_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  for (const raw of ['John', 'example.com', 'Mary', 'SMITH', '757', 'SW1A']) t.notOk(json.includes(raw), `no raw ${raw} in the body`);
});

t.test('hash_pii off: the email raw but normalized, names and mobile under their plain names', async (t) => {
  const { batch } = eventBatch({ clientEventId: 'e1', email: ' Jane.Doe@Example.COM ', firstname: 'Jane', mobile: '+1 732 757 2923', billingzipcode: '10 001', ipaddress: ' 192.0.2.7 ' }, eventPlan({ hashPii: false }));
  t.same(batch.user_identities, { email: 'jane.doe@example.com' });
  t.same(batch.user_attributes, { firstname: 'jane', mobile: '7327572923', billingzipcode: '10001' });
  t.equal(batch.ip, '192.0.2.7');
});

t.test('an IP address: `ip` only with hash_pii off and only a real address; hashed it is a user attribute', async (t) => {
  const hashed = eventBatch({ clientEventId: 'e1', ipaddress: '192.0.2.7' });
  t.equal(hashed.batch.ip, undefined, 'never the raw address with hashing on');
  t.same(hashed.batch.user_attributes, { ipaddresssha256: sha('192.0.2.7') });
  const notAnAddress = eventBatch({ clientEventId: 'e1', ipaddress: 'not-an-ip' }, eventPlan({ hashPii: false }));
  t.equal(notAnAddress.batch.ip, undefined);
  t.same(notAnAddress.dropped.map((drop) => drop.field), ['ipaddress']);
  t.notOk(JSON.stringify(notAnAddress.dropped).includes('not-an-ip'), 'the reason does not quote the value');
});

t.test('device ids that are not GUIDs (or the all-zero GUID) are left out and noted, never sent', async (t) => {
  const { batch, dropped } = eventBatch({
    clientEventId: 'e1',
    iosadvertisingid: 'not-a-guid',
    androidadvertisingid: '00000000-0000-0000-0000-000000000000',
    iosidfv: ` ${GUID.toUpperCase()} `,
    androiduuid: 'any-android-id',
  });
  t.same(batch.device_info, { ios_idfv: GUID.toUpperCase(), android_uuid: 'any-android-id' });
  t.same(
    dropped.map((drop) => drop.field),
    ['iosadvertisingid', 'androidadvertisingid'],
  );
  t.match(dropped[0]?.reason, /not a GUID/);
  t.match(dropped[1]?.reason, /all-zero GUID/);
});

t.test('custom_event_type: transaction for conversions, other for every other event type', async (t) => {
  t.equal(eventBatch({ clientEventId: 'e1', eventType: 'signup' }).batch.events[0].data.custom_event_type, 'other');
  t.equal(eventBatch({ clientEventId: 'e1', eventType: 'signup' }).batch.events[0].data.event_name, 'signup');
  t.equal(eventBatch({ clientEventId: 'e1' }).batch.events[0].data.custom_event_type, 'transaction', 'the default event_type is conversion');
});

t.test('no eventTime: the processing time; objects and arrays go as JSON strings; metadata joins the custom attributes', async (t) => {
  const { batch } = eventBatch({ clientEventId: 'e1', basket: { items: [1, 2] }, tags: ['a', 'b'], flag: true, 'metadata.channel': 'app' });
  t.equal(batch.events[0].data.timestamp_unixtime_ms, NOW);
  t.same(batch.events[0].data.custom_attributes, { basket: '{"items":[1,2]}', tags: '["a","b"]', flag: 'true', channel: 'app' });
  for (const value of Object.values(batch.events[0].data.custom_attributes)) t.equal(typeof value, 'string', 'every custom attribute is a scalar');
});

t.test('source_request_id: the same for the same stream and clientEventId, different otherwise', async (t) => {
  const id = (data: Record<string, unknown>, plan = eventPlan()) => eventBatch(data, plan).batch.source_request_id;
  const first = id({ clientEventId: 'e1', amount: 1 });
  t.equal(id({ clientEventId: 'e1', amount: 2 }), first, 'a retried or re-run row keeps its id');
  t.not(id({ clientEventId: 'e2' }), first);
  t.not(id({ clientEventId: 'e1' }, eventPlan({ stream: { name: 'orders', namespace: 'shop' } })), first, 'another namespace');
  t.not(id({ clientEventId: 'e1' }, eventPlan({ stream: { name: 'refunds' } })), first, 'another stream');
  const development = mapEventBatch({ data: { clientEventId: 'e1' }, plan: eventPlan(), nowMs: NOW, environment: 'development' });
  t.ok(development.ok && JSON.parse(development.value.json).source_request_id !== first, 'another environment');
});

t.test('rejected before sending, with the field and a reason: limits and the time window', async (t) => {
  const reason = (data: Record<string, unknown>, plan = eventPlan()) => {
    const mapped = mapEventBatch({ data, plan, nowMs: NOW, environment: 'production' });
    return mapped.ok ? 'accepted' : `${mapped.rejection.field ?? ''}: ${mapped.rejection.reason}`;
  };
  t.match(reason({ clientEventId: 'e1', note: 'x'.repeat(4097) }), /^note: note is longer than the 4,096 characters/);
  t.equal(reason({ clientEventId: 'e1', note: 'x'.repeat(4096) }), 'accepted', '4,096 characters are allowed');
  t.match(reason({ clientEventId: 'e1', customerid: 'x'.repeat(5000) }), /^customerid: customerid is longer/);
  const many = Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`attribute${index}`, 'v']));
  t.match(reason({ clientEventId: 'e1', ...many }), /101 custom attributes; the Event and Audience API takes at most 100/);
  const big = Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`attribute${index}`, 'x'.repeat(4000)]));
  t.match(reason({ clientEventId: 'e1', ...big }), /the batch is \d+ bytes; the Event and Audience API takes at most 128000 bytes per batch/);
  t.match(reason({ clientEventId: 'e1', eventTime: new Date(NOW - 30 * 86_400_000).toISOString() }), /^eventTime: eventTime is more than 29 days old/);
  t.equal(reason({ clientEventId: 'e1', eventTime: new Date(NOW - 28 * 86_400_000).toISOString() }), 'accepted');
  t.match(reason({ clientEventId: 'e1', channel: 'web', 'metadata.channel': 'app' }), /^metadata\.channel: .*would both be the custom attribute "channel"/);
  t.match(reason({ eventType: 'conversion' }), /clientEventId is required/, 'the shared rules still apply');
  t.match(reason({ clientEventId: 'e1', mobile: '+44 20 7946 0958' }), /country code other than \+1/);
});

t.test('bindings and constants as for the legacy API: renamed columns, dropped unmapped ones', async (t) => {
  const binding = streamBindingSchema.parse({
    stream: 'orders',
    object: 'event',
    columns: [
      { column: 'order_id', field: 'clientEventId' },
      { column: 'mail', field: 'email' },
      { column: 'user_id', field: 'customerid' },
    ],
    constants: [{ field: 'conversiontype', value: 'purchase' }],
  });
  const { batch } = eventBatch({ order_id: 7, mail: 'a@b.co', user_id: 'u1', secret_column: 'x' }, { ...fieldPlan(ORDERS, binding), hashPii: true, idFromPrimaryKey: [], defaultEventType: 'conversion' });
  t.equal(batch.events[0].data.source_message_id, '7');
  t.same(batch.user_identities, { other: sha('a@b.co'), customerid: 'u1' });
  t.same(batch.events[0].data.custom_attributes, { conversiontype: 'purchase' });
});

t.test('an audience row: the person’s identities and one audiencemembershipupdate event', async (t) => {
  const map = (data: Record<string, unknown>, plan = audiencePlan(), sequence = 1) => {
    const mapped = mapAudienceBatch({ data, plan, environment: 'development', change: { run: 'run-1', sequence }, timeOf: () => NOW });
    if (!mapped.ok) throw new Error(mapped.rejection.reason);
    return { ...mapped.value, batch: JSON.parse(mapped.value.json) };
  };
  const include = map({ email: ' Ann@Example.com ', customerid: 'c-9', iosadvertisingid: GUID });
  t.equal(include.person, sha('ann@example.com'));
  t.same(include.batch, {
    environment: 'development',
    source_request_id: include.batch.source_request_id,
    user_identities: { other: sha('ann@example.com'), customerid: 'c-9' },
    device_info: { ios_advertising_id: GUID },
    events: [
      {
        event_type: 'custom_event',
        data: {
          event_name: 'audiencemembershipupdate',
          custom_event_type: 'other',
          source_message_id: include.batch.events[0].data.source_message_id,
          timestamp_unixtime_ms: NOW,
          custom_attributes: { audience_name: 'VIP', status: 'add' },
        },
      },
    ],
  });
  const exclude = map({ email: 'ann@example.com', list: 'Winback' }, audiencePlan({ action: 'exclude' }), 2);
  t.same(exclude.batch.events[0].data.custom_attributes, { audience_name: 'Winback', status: 'drop' });
  t.equal(exclude.person, include.person, 'the same person whatever the list');
  t.not(exclude.batch.source_request_id, include.batch.source_request_id, 'each change its own batch id');
  t.not(include.batch.events[0].data.source_message_id, include.batch.source_request_id);
  const again = map({ email: 'ann@example.com' }, audiencePlan(), 3);
  t.not(again.batch.source_request_id, include.batch.source_request_id, 'the same change again is not a duplicate');
  t.equal(map({ email: 'ann@example.com' }, audiencePlan(), 1).batch.source_request_id, include.batch.source_request_id, 'the same change key, the same id (retries)');
  const plain = map({ email: ' Ann@Example.com ' }, audiencePlan({ hashPii: false }));
  t.same(plain.batch.user_identities, { email: 'ann@example.com' });
  t.equal(plain.person, sha('ann@example.com'));
  const digest = map({ emailsha256: 'A'.repeat(64) });
  t.same(digest.batch.user_identities, { other: 'a'.repeat(64) });
  const rejected = mapAudienceBatch({ data: { emailmd5: 'a'.repeat(32) }, plan: audiencePlan(), environment: 'production', change: { run: 'r', sequence: 1 }, timeOf: () => NOW });
  t.match(rejected.ok ? '' : rejected.rejection.reason, /MD5/);
});

t.test('a field named __proto__ is data, sent as a custom attribute', async (t) => {
  const { batch } = eventBatch(JSON.parse('{"clientEventId": "e1", "__proto__": "x", "constructor": "y"}'));
  t.same(Object.entries(batch.events[0].data.custom_attributes), [
    ['__proto__', 'x'],
    ['constructor', 'y'],
  ]);
});
