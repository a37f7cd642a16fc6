import t from 'tap';
import { deriveClientEventId, mapEventRecord, type EventPlan } from '../src/catalog/map-event.js';
import { sha256Hex } from '../src/catalog/normalize.js';
import { fieldPlan } from '../src/catalog/plan.js';
import { streamBindingSchema } from '../src/config/schema.js';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');
const daPlan = (overrides: Partial<EventPlan> = {}): EventPlan => ({ ...fieldPlan('orders', undefined), hashPii: true, idFromPrimaryKey: [], ...overrides });
const bindingPlan = (binding: unknown, overrides: Partial<EventPlan> = {}): EventPlan => ({
  ...fieldPlan('orders', streamBindingSchema.parse(binding)),
  hashPii: true,
  idFromPrimaryKey: [],
  ...overrides,
});
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

t.test('hash_pii false sends values as given under the plain names', async (t) => {
  const result = mapEventRecord({ data: { clientEventId: 'e1', eventType: 't', email: 'A@B.co', mobile: '(732) 757-2923' }, plan: daPlan({ hashPii: false }), nowMs: NOW });
  t.same(objectData(result), { email: 'A@B.co', mobile: '(732) 757-2923' });
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
  t.match(at('2025-06-01T00:00:00Z'), { ok: true }, 'just under 18 months is fine');
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
  const plan = bindingPlan({ object: 'event', constants: { eventType: 't' } }, { idFromPrimaryKey: ['id', 'region'] });
  const first = mapEventRecord({ data: { id: 12345678901234567890n.toString(), region: 'eu' }, plan, nowMs: NOW });
  const again = mapEventRecord({ data: { id: '12345678901234567890', region: 'eu' }, plan, nowMs: NOW + 1000 });
  const other = mapEventRecord({ data: { id: '12345678901234567891', region: 'eu' }, plan, nowMs: NOW });
  t.ok(first.ok && again.ok && other.ok);
  if (!first.ok || !again.ok || !other.ok) return;
  t.equal(first.value.clientEventId, again.value.clientEventId);
  t.not(first.value.clientEventId, other.value.clientEventId);
  t.match(first.value.clientEventId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  t.equal(first.value.clientEventId, deriveClientEventId('orders', ['12345678901234567890', 'eu']));
  t.match(mapEventRecord({ data: { region: 'eu' }, plan, nowMs: NOW }), { ok: false, rejection: { field: 'id' } });
});
