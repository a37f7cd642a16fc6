import { LosslessNumber } from 'lossless-json';
import t from 'tap';
import { deriveClientEventId, mapEventRecord, type EventPlan } from '../src/rules/map-event.js';
import { sha256Hex } from '../src/rules/normalize.js';
import { fieldPlan } from '../src/catalog/plan.js';
import { streamBindingSchema } from '../src/config/schema.js';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');
const ORDERS = { name: 'orders' };
const daPlan = (overrides: Partial<EventPlan> = {}): EventPlan => ({ ...fieldPlan(ORDERS, undefined), hashPii: true, idFromPrimaryKey: [], ...overrides });
/** A binding written in the map form people type (`columns: {a: "b"}`), turned into the config's array form. */
const bindingPlan = (binding: { columns?: Record<string, string>; constants?: Record<string, unknown>; [key: string]: unknown }, overrides: Partial<EventPlan> = {}): EventPlan => {
  const { columns = {}, constants = {}, ...rest } = binding;
  const parsed = streamBindingSchema.parse({
    stream: 'orders',
    ...rest,
    columns: Object.entries(columns).map(([column, field]) => ({ column, field })),
    constants: Object.entries(constants).map(([field, value]) => ({ field, value })),
  });
  return { ...fieldPlan(ORDERS, parsed), hashPii: true, idFromPrimaryKey: [], ...overrides };
};
/** The id format of earlier versions, computed independently: sha256 of [stream name, ...key values] as a UUID shape. */
const legacyId = (parts: string[]) => {
  const hex = sha256Hex(JSON.stringify(parts));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};
const objectData = (result: ReturnType<typeof mapEventRecord>) => (result.ok ? Object.fromEntries(result.value.objectData.map((entry) => [entry.name, entry.value])) : t.fail('rejected'));

t.test('PII is normalized and hashed with Rokt’s rules; no raw PII is sent', async (t) => {
  const result = mapEventRecord({
    data: { clientEventId: 'e1', eventType: 'conversion', email: '  John.Doe@Example.COM ', mobile: '(732) 757-2923', firstname: ' Mary Ann ', lastname: 'SMITH', ipaddress: ' 2001:DB8::1 ' },
    plan: daPlan(),
    nowMs: NOW,
  });
  t.same(objectData(result), {
    emailsha256: sha256Hex('john.doe@example.com'),
    mobilesha256: sha256Hex('7327572923'),
    firstnamesha256: sha256Hex('maryann'),
    lastnamesha256: sha256Hex('smith'),
    ipaddresssha256: sha256Hex('2001:db8::1'),
  });
  const json = JSON.stringify(result);
  for (const raw of ['John.Doe', 'example.com', '757', 'Mary', 'SMITH', 'DB8']) t.notOk(json.includes(raw), `no raw ${raw}`);
});

t.test('known SHA-256 vectors', async (t) => {
  // Independent vectors from `echo -n … | sha256sum`.
  t.equal(sha256Hex('7327572923'), '19d599ae5048ed6bcf118e6e41f8c2f5c2d20bf1b2bf4c723b2c669157bdbc94');
  t.equal(sha256Hex('test@example.com'), '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b');
  const result = mapEventRecord({ data: { clientEventId: 'e1', eventType: 't', email: 'TEST@example.com ' }, plan: daPlan(), nowMs: NOW });
  t.same(objectData(result), { emailsha256: '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b' });
});

t.test('an existing 64-hex digest passes through lowercased, never hashed twice', async (t) => {
  const digest = 'A'.repeat(64);
  const result = mapEventRecord({ data: { clientEventId: 'e1', eventType: 't', email: digest, mobilesha256: 'B'.repeat(64) }, plan: daPlan(), nowMs: NOW });
  t.same(objectData(result), { emailsha256: 'a'.repeat(64), mobilesha256: 'b'.repeat(64) });
});

t.test('an explicit …sha256 column wins over one computed from the plain column', async (t) => {
  const result = mapEventRecord({ data: { clientEventId: 'e1', eventType: 't', emailsha256: 'c'.repeat(64), email: 'a@b.co' }, plan: daPlan(), nowMs: NOW });
  t.same(objectData(result), { emailsha256: 'c'.repeat(64) });
});

t.test('a malformed …sha256 value is rejected, never sent', async (t) => {
  const result = mapEventRecord({ data: { clientEventId: 'e1', eventType: 't', emailsha256: 'someone@example.com' }, plan: daPlan(), nowMs: NOW });
  t.same(result, { ok: false, rejection: { field: 'emailsha256', reason: 'emailsha256 must be a 64-hex SHA-256 digest' } });
});

t.test('hash_pii false sends PII unhashed under the plain names, normalized as Rokt requires', async (t) => {
  const result = mapEventRecord({
    data: { clientEventId: 'e1', eventType: 't', email: ' John.Doe @Example.COM ', mobile: '+1 (732) 757-2923', firstname: ' Mary Ann ', lastname: 'SMITH', ipaddress: ' 2001:DB8::1 ' },
    plan: daPlan({ hashPii: false }),
    nowMs: NOW,
  });
  t.same(objectData(result), { email: 'john.doe@example.com', mobile: '7327572923', firstname: 'maryann', lastname: 'smith', ipaddress: '2001:db8::1' });
});

t.test('hash_pii false: an invalid email is rejected (Rokt would refuse the whole request), never sent', async (t) => {
  const result = mapEventRecord({ data: { clientEventId: 'e1', eventType: 't', email: 'not an email' }, plan: daPlan({ hashPii: false }), nowMs: NOW });
  t.same(result, { ok: false, rejection: { field: 'email', reason: 'email is not a valid email address' } });
  const json = JSON.stringify(result);
  t.notOk(json.includes('not an email'), 'the rejection does not quote the value');
});

t.test('hash_pii false: a mobile Rokt cannot take is rejected with the reason', async (t) => {
  const result = mapEventRecord({ data: { clientEventId: 'e1', eventType: 't', mobile: '555-1234' }, plan: daPlan({ hashPii: false }), nowMs: NOW });
  t.match(result, { ok: false, rejection: { field: 'mobile', reason: /digits/ } });
});

t.test('hash_pii false: a digest in a plain column goes under the hashed name; an explicit …sha256 column wins', async (t) => {
  const plan = daPlan({ hashPii: false });
  t.same(objectData(mapEventRecord({ data: { clientEventId: 'e1', eventType: 't', email: ` ${'A'.repeat(64)} ` }, plan, nowMs: NOW })), { emailsha256: 'a'.repeat(64) });
  t.same(objectData(mapEventRecord({ data: { clientEventId: 'e1', eventType: 't', emailsha256: 'c'.repeat(64), email: 'b'.repeat(64) }, plan, nowMs: NOW })), { emailsha256: 'c'.repeat(64) });
  t.same(objectData(mapEventRecord({ data: { clientEventId: 'e1', eventType: 't', email: '   ' }, plan, nowMs: NOW })), {}, 'blank after normalizing: no value');
});

t.test('eventType: the row, then a constant, then the configured default', async (t) => {
  const plan = bindingPlan({ object: 'event', columns: { kind: 'eventType' } }, { defaultEventType: 'conversion' });
  t.match(mapEventRecord({ data: { clientEventId: 'e1' }, plan, nowMs: NOW }), { ok: true, value: { eventType: 'conversion' } });
  t.match(mapEventRecord({ data: { clientEventId: 'e1', kind: '' }, plan, nowMs: NOW }), { ok: true, value: { eventType: 'conversion' } }, 'an empty value is no value');
  t.match(mapEventRecord({ data: { clientEventId: 'e1', kind: 'signup' }, plan, nowMs: NOW }), { ok: true, value: { eventType: 'signup' } }, 'a mapped row value wins');
  const withConstant = bindingPlan({ object: 'event', constants: { eventType: 'lead' } }, { defaultEventType: 'conversion' });
  t.match(mapEventRecord({ data: { clientEventId: 'e1' }, plan: withConstant, nowMs: NOW }), { ok: true, value: { eventType: 'lead' } }, 'a constant wins');
  t.match(mapEventRecord({ data: { clientEventId: 'e1', eventType: 'signup' }, plan: daPlan({ defaultEventType: 'conversion' }), nowMs: NOW }), { ok: true, value: { eventType: 'signup' } });
  t.match(mapEventRecord({ data: { clientEventId: 'e1' }, plan: daPlan({ defaultEventType: 'conversion' }), nowMs: NOW }), { ok: true, value: { eventType: 'conversion' } }, 'data-activation streams too');
});

t.test('numbers go as written: LosslessNumber text, nested big integers keep every digit', async (t) => {
  const result = mapEventRecord({
    data: {
      clientEventId: new LosslessNumber('12345678901234567890'),
      eventType: 't',
      amount: new LosslessNumber('10.50'),
      quantity: new LosslessNumber('1e21'),
      details: { id: new LosslessNumber('12345678901234567890123'), prices: [new LosslessNumber('1.10'), 2] },
    },
    plan: daPlan(),
    nowMs: NOW,
  });
  t.match(result, { ok: true, value: { clientEventId: '12345678901234567890' } });
  t.same(objectData(result), { amount: '10.50', quantity: '1e21', details: '{"id":12345678901234567890123,"prices":[1.10,2]}' });
});

t.test('values become strings; nested values JSON; empty values omitted; custom attributes kept', async (t) => {
  const result = mapEventRecord({
    data: { clientEventId: 42, eventType: 'purchase', amount: 99.95, quantity: 2, vip: true, tags: ['a', 'b'], address: { city: 'X' }, empty: '', nothing: null, zipcode: ' 12345 - 6789 ' },
    plan: daPlan(),
    nowMs: NOW,
  });
  t.ok(result.ok);
  if (!result.ok) return;
  t.equal(result.value.clientEventId, '42');
  t.same(objectData(result), { amount: '99.95', quantity: '2', vip: 'true', tags: '["a","b"]', address: '{"city":"X"}', zipcode: '12345-6789' });
  t.equal(result.value.eventTime, '2026-11-27T12:00:00.000Z', 'eventTime defaults to processing time');
  t.notOk('metaData' in result.value);
});

t.test('metadata.<name> goes to metaData; known names are case-insensitive', async (t) => {
  const result = mapEventRecord({ data: { ClientEventID: 'e1', EventType: 'signup', 'metadata.source': 'warehouse', Amount: '5' }, plan: daPlan(), nowMs: NOW });
  t.ok(result.ok);
  if (!result.ok) return;
  t.same(result.value.metaData, [{ name: 'source', value: 'warehouse' }]);
  t.same(objectData(result), { amount: '5' });
  t.equal(result.value.eventType, 'signup');
});

t.test('required fields and limits', async (t) => {
  t.same(mapEventRecord({ data: { eventType: 't' }, plan: daPlan(), nowMs: NOW }), { ok: false, rejection: { field: 'clientEventId', reason: 'clientEventId is required' } });
  t.same(mapEventRecord({ data: { clientEventId: 'e' }, plan: daPlan(), nowMs: NOW }), { ok: false, rejection: { field: 'eventType', reason: 'eventType is required' } });
  t.match(mapEventRecord({ data: { clientEventId: 'x'.repeat(37), eventType: 't' }, plan: daPlan(), nowMs: NOW }), { ok: false, rejection: { field: 'clientEventId' } });
  t.match(mapEventRecord({ data: { clientEventId: 'e', eventType: 't'.repeat(129) }, plan: daPlan(), nowMs: NOW }), { ok: false, rejection: { field: 'eventType' } });
  t.match(mapEventRecord({ data: { clientEventId: 'e', eventType: 't', big: 'x'.repeat(65_537) }, plan: daPlan(), nowMs: NOW }), { ok: false, rejection: { field: 'big' } });
  t.match(mapEventRecord({ data: { clientEventId: 'e', eventType: 't', 'Rokt.internal': 'x' }, plan: daPlan(), nowMs: NOW }), { ok: false, rejection: { field: 'Rokt.internal', reason: /reserved/ } });
  t.match(mapEventRecord({ data: { clientEventId: 'e', eventType: 't', 'metadata.rokt.x': 'x' }, plan: daPlan(), nowMs: NOW }), { ok: false, rejection: { reason: /reserved/ } });
});

t.test('eventTime: offsets to UTC, epochs, and the 18-month / 5-minute window', async (t) => {
  const at = (eventTime: unknown) => mapEventRecord({ data: { clientEventId: 'e', eventType: 't', eventTime }, plan: daPlan(), nowMs: NOW });
  t.match(at('2026-11-27T14:00:00+02:00'), { ok: true, value: { eventTime: '2026-11-27T12:00:00.000Z' } });
  t.match(at('2026-11-27T07:00:00.5-05:00'), { ok: true, value: { eventTime: '2026-11-27T12:00:00.500Z' } });
  t.match(at(Date.parse('2026-11-01T00:00:00Z') / 1000), { ok: true, value: { eventTime: '2026-11-01T00:00:00.000Z' } });
  t.match(at(Date.parse('2026-11-01T00:00:00Z')), { ok: true, value: { eventTime: '2026-11-01T00:00:00.000Z' } });
  t.match(at(String(Date.parse('2026-11-01T00:00:00Z'))), { ok: true, value: { eventTime: '2026-11-01T00:00:00.000Z' } });
  t.match(at('2026-11-27T12:00:00'), { ok: false, rejection: { field: 'eventTime', reason: /no time zone/ } });
  t.match(at('2026-11-27'), { ok: false, rejection: { reason: /no time zone/ } });
  t.match(at('yesterday'), { ok: false, rejection: { reason: /not an RFC 3339/ } });
  t.match(at('2026-02-30T00:00:00Z'), { ok: false, rejection: { reason: /calendar/ } });
  t.match(at('2025-05-01T00:00:00Z'), { ok: false, rejection: { reason: /older than Rokt accepts/ } });
  t.match(at('2025-06-10T00:00:00Z'), { ok: true }, 'under 18 months (less the margin) is fine');
  t.match(at('2026-11-27T12:06:00Z'), { ok: false, rejection: { reason: /future/ } });
  t.match(at('2026-11-27T12:03:00Z'), { ok: true });
  t.match(at(1.7e15), { ok: false, rejection: { reason: /microseconds/ } });
  // The canonical UTC form is read digit by digit: same answers as the general parser.
  t.match(at('2026-11-27T11:59:59.123Z'), { ok: true, value: { eventTime: '2026-11-27T11:59:59.123Z' } });
  t.match(at(' 2026-11-27T11:59:59.123Z '), { ok: true, value: { eventTime: '2026-11-27T11:59:59.123Z' } });
  t.match(at('2026-02-30T00:00:00.000Z'), { ok: false, rejection: { reason: /calendar/ } });
  t.match(at('2026-02-29T00:00:00.000Z'), { ok: false, rejection: { reason: /calendar/ } }, '2026 is no leap year');
  t.match(at('2024-02-29T00:00:00.000Z'), { ok: false, rejection: { reason: /older than Rokt accepts/ } }, 'a leap day is a date');
  t.match(at('2026-11-27T24:00:00.000Z'), { ok: false, rejection: { reason: /calendar/ } });
  t.match(at('2026-11-27T1a:00:00.000Z'), { ok: false, rejection: { reason: /not an RFC 3339/ } });
});

t.test('bindings rename columns, set constants, and drop unmapped columns by default', async (t) => {
  const plan = bindingPlan({ object: 'event', columns: { order_id: 'clientEventId', customer_email: 'email', total: 'amount', channel: 'metadata.channel' }, constants: { eventType: 'conversion', conversiontype: 'purchase' } });
  const result = mapEventRecord({ data: { order_id: 'o-1', customer_email: 'a@b.co', total: 10, internal_notes: 'secret', country: 'US', channel: 'web' }, plan, nowMs: NOW });
  t.ok(result.ok);
  if (!result.ok) return;
  t.equal(result.value.clientEventId, 'o-1');
  t.equal(result.value.eventType, 'conversion');
  t.same(objectData(result), { conversiontype: 'purchase', emailsha256: sha256Hex('a@b.co'), amount: '10', country: 'US' });
  t.same(result.value.metaData, [{ name: 'channel', value: 'web' }]);
  const keep = bindingPlan({ object: 'event', unmapped_columns: 'custom_attributes' });
  t.same(objectData(mapEventRecord({ data: { clientEventId: 'e', eventType: 't', internal_notes: 'n' }, plan: keep, nowMs: NOW })), { internal_notes: 'n' });
});

t.test('clientEventId derived from the primary key: deterministic, 36 characters', async (t) => {
  const plan = bindingPlan({ object: 'event', constants: { eventType: 't' } }, { idFromPrimaryKey: [['id'], ['region']] });
  const first = mapEventRecord({ data: { id: 12345678901234567890n.toString(), region: 'eu' }, plan, nowMs: NOW });
  const again = mapEventRecord({ data: { id: '12345678901234567890', region: 'eu' }, plan, nowMs: NOW + 1000 });
  const other = mapEventRecord({ data: { id: '12345678901234567891', region: 'eu' }, plan, nowMs: NOW });
  t.ok(first.ok && again.ok && other.ok);
  if (!first.ok || !again.ok || !other.ok) return;
  t.equal(first.value.clientEventId, again.value.clientEventId);
  t.not(first.value.clientEventId, other.value.clientEventId);
  t.match(first.value.clientEventId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  t.equal(first.value.clientEventId, legacyId(['orders', '12345678901234567890', 'eu']), 'an un-namespaced stream with top-level keys keeps the id of earlier versions');
  t.match(mapEventRecord({ data: { region: 'eu' }, plan, nowMs: NOW }), { ok: false, rejection: { field: 'id', reason: /primary-key value is empty/ } });
  t.match(mapEventRecord({ data: { id: 1, region: '' }, plan, nowMs: NOW }), { ok: false, rejection: { field: 'region' } });
});

t.test('derived clientEventId: the same key values in streams of one name in different namespaces never collide', async (t) => {
  const id = (stream: { name: string; namespace?: string }) => deriveClientEventId({ stream, keyPaths: [['id']], keyValues: [7] });
  const ids = [id({ name: 'orders' }), id({ name: 'orders', namespace: 'public' }), id({ name: 'orders', namespace: 'staging' }), id({ name: 'public.orders' })];
  t.equal(new Set(ids).size, 4, 'orders, public/orders, staging/orders and a stream named "public.orders": four ids');
  t.equal(id({ name: 'orders', namespace: '' }), id({ name: 'orders' }), 'an empty namespace is no namespace');
  t.equal(id({ name: 'orders' }), legacyId(['orders', '7']));
  const plan = (namespace: string) => daPlan({ stream: { name: 'orders', namespace }, idFromPrimaryKey: [['id']], defaultEventType: 't' });
  const inPublic = mapEventRecord({ data: { id: 7 }, plan: plan('public'), nowMs: NOW });
  const inStaging = mapEventRecord({ data: { id: 7 }, plan: plan('staging'), nowMs: NOW });
  t.ok(inPublic.ok && inStaging.ok && inPublic.value.clientEventId !== inStaging.value.clientEventId, 'mapped rows of the two streams get different ids');
});

t.test('derived clientEventId: nested key paths are read and part of the id', async (t) => {
  const plan = daPlan({ idFromPrimaryKey: [['id'], ['meta', 'region']], defaultEventType: 't' });
  const eu = mapEventRecord({ data: { id: 1, meta: { region: 'eu' } }, plan, nowMs: NOW });
  const us = mapEventRecord({ data: { id: 1, meta: { region: 'us' } }, plan, nowMs: NOW });
  t.ok(eu.ok && us.ok);
  if (!eu.ok || !us.ok) return;
  t.not(eu.value.clientEventId, us.value.clientEventId, 'rows differing only in the nested key get different ids');
  t.equal(eu.value.clientEventId, deriveClientEventId({ stream: ORDERS, keyPaths: [['id'], ['meta', 'region']], keyValues: [1, 'eu'] }));
  t.match(mapEventRecord({ data: { id: 1, meta: {} }, plan, nowMs: NOW }), { ok: false, rejection: { field: 'meta.region', reason: /primary-key value is empty/ } });
  t.match(mapEventRecord({ data: { id: 1, meta: 'eu' }, plan, nowMs: NOW }), { ok: false, rejection: { field: 'meta.region' } }, 'a path through a non-object finds nothing');
  const flat = deriveClientEventId({ stream: ORDERS, keyPaths: [['region']], keyValues: ['eu'] });
  const nested = deriveClientEventId({ stream: ORDERS, keyPaths: [['meta', 'region']], keyValues: ['eu'] });
  t.not(flat, nested, 'the same value under a different key path is another id');
});

t.test('derived clientEventId: key columns named like Object.prototype members are plain data', async (t) => {
  const plan = daPlan({ idFromPrimaryKey: [['constructor']], defaultEventType: 't' });
  t.match(mapEventRecord({ data: { id: 1 }, plan, nowMs: NOW }), { ok: false, rejection: { field: 'constructor' } }, 'an absent column is not Object.prototype.constructor');
  const present = mapEventRecord({ data: JSON.parse('{"constructor": "c1"}'), plan, nowMs: NOW });
  t.match(present, { ok: true, value: { clientEventId: legacyId(['orders', 'c1']) } });
  const proto = daPlan({ idFromPrimaryKey: [['__proto__']], defaultEventType: 't' });
  t.match(mapEventRecord({ data: {}, plan: proto, nowMs: NOW }), { ok: false, rejection: { field: '__proto__' } });
  t.match(mapEventRecord({ data: JSON.parse('{"__proto__": "p1"}'), plan: proto, nowMs: NOW }), { ok: true, value: { clientEventId: legacyId(['orders', 'p1']) } });
});
