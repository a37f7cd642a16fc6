/**
 * The row rules (consent, source deletes, click ids from landing URLs) and the identifier coverage
 * counter, in-process on routes the real Router compiles from bindings.
 */
import { LosslessNumber } from 'lossless-json';
import t from 'tap';
import { parseConfiguredCatalog } from '../src/catalog/configured-catalog.js';
import { coverageWarning, IdentifierCoverage, identifiersOf } from '../src/catalog/identifier-coverage.js';
import { mapAudienceRecord, type AudiencePlan } from '../src/rules/map-audience.js';
import { mapEventRecord, type EventPlan } from '../src/rules/map-event.js';
import { applyRowRules, clickIdFromUrl, DELETED_IN_SOURCE, NO_CONSENT, type RowRuling } from '../src/catalog/row-rules.js';
import { Router, type StreamRoute } from '../src/catalog/routes.js';
import { parseConfig } from '../src/config/load.js';

const NOW = Date.now();
const config = (streams: Record<string, unknown>[]) => parseConfig({ account_id: '1', public_key: 'rpub-x', secret_key: 'rsec-x', streams });
const routeOf = (binding: Record<string, unknown>): StreamRoute => {
  const route = new Router(config([binding]), undefined).route({ name: binding.stream as string });
  if (!route) throw new Error('not routed');
  return route;
};
const sent = (ruling: RowRuling) => {
  if (!ruling.send) throw new Error(`expected the row to be sent, got "${ruling.reason}"`);
  return ruling;
};
const eventOf = (ruling: RowRuling) => {
  const { data, route } = sent(ruling);
  const mapped = mapEventRecord({ data, plan: route.plan as EventPlan, nowMs: NOW });
  if (!mapped.ok) throw new Error(mapped.rejection.reason);
  return Object.fromEntries(mapped.value.objectData.map(({ name, value }) => [name, value]));
};

t.test('source deletes: an audience row marked deleted becomes an exclude, whatever the binding action', async (t) => {
  const route = routeOf({ stream: 'vips', object: 'audience', audience_name: 'VIP', action: 'include' });
  const live = sent(applyRowRules({ data: { email: 'a@example.com', _ab_cdc_deleted_at: null }, route }));
  t.equal(live.route, route, 'a live row keeps its route');
  t.equal(live.deleted, false);
  for (const data of [
    { email: 'a@example.com', _ab_cdc_deleted_at: '2025-01-02T03:04:05Z' },
    { email: 'a@example.com', _sdc_deleted_at: '2025-01-02T03:04:05.000000Z' },
  ]) {
    const ruling = sent(applyRowRules({ data, route }));
    t.equal(ruling.deleted, true);
    const mapped = mapAudienceRecord({ data: ruling.data, plan: ruling.route.plan as AudiencePlan });
    t.same(mapped.ok && [mapped.value.list, mapped.value.action], ['VIP', 'exclude']);
    t.equal((route.plan as AudiencePlan).action, 'include', 'the stream route itself is unchanged');
  }
  const first = sent(applyRowRules({ data: { email: 'a@example.com', _ab_cdc_deleted_at: 'x' }, route }));
  const second = sent(applyRowRules({ data: { email: 'b@example.com', _ab_cdc_deleted_at: 'y' }, route }));
  t.equal(first.route, second.route, 'one excluding route per stream route (caches keyed by plan keep working)');
});

t.test('source deletes: an event row marked deleted is rejected as "deleted in the source"', async (t) => {
  const route = routeOf({ stream: 'orders', object: 'event' });
  const ruling = applyRowRules({ data: { clientEventId: 'e1', _sdc_deleted_at: '2025-01-02T03:04:05Z' }, route });
  t.same(ruling.send ? 'sent' : [ruling.reason, ruling.deleted], [DELETED_IN_SOURCE, true]);
});

t.test('source deletes: what marks a row deleted; a named column replaces the CDC defaults; mirror_deletes false turns it off', async (t) => {
  const route = routeOf({ stream: 'vips', object: 'audience' });
  const deleted = (value: unknown) => applyRowRules({ data: { email: 'a@example.com', _ab_cdc_deleted_at: value }, route }).deleted;
  for (const value of [null, undefined, '', '   ', false, 0, 'false', 'FALSE', '0', new LosslessNumber('0')]) t.equal(deleted(value), false, `${String(value)} is not a deletion`);
  for (const value of ['2025-01-02', true, 1, 'true', 1735787045, new LosslessNumber('1735787045000')]) t.equal(deleted(value), true, `${String(value)} marks a deletion`);
  t.equal(applyRowRules({ data: JSON.parse('{"email": "a@example.com", "__proto__": "x"}'), route }).deleted, false, 'no column named like a prototype member is read');

  const named = routeOf({ stream: 'vips', object: 'audience', deleted_column: 'is_deleted' });
  t.equal(applyRowRules({ data: { email: 'a@example.com', is_deleted: true }, route: named }).deleted, true);
  t.equal(applyRowRules({ data: { email: 'a@example.com', is_deleted: false, _ab_cdc_deleted_at: '2025-01-02' }, route: named }).deleted, false, 'the CDC columns no longer count');

  const off = routeOf({ stream: 'vips', object: 'audience', mirror_deletes: false });
  const ruling = sent(applyRowRules({ data: { email: 'a@example.com', _ab_cdc_deleted_at: '2025-01-02' }, route: off }));
  t.same([ruling.deleted, ruling.route], [false, off]);
});

t.test('source deletes: data-activation streams (no binding) mirror the CDC columns too', async (t) => {
  const catalog = parseConfiguredCatalog({
    streams: [{ stream: { name: 'members', json_schema: { type: 'object', properties: {} } }, destination_sync_mode: 'append', destination_object_name: 'audience' }],
  });
  const route = new Router(config([]), catalog).route({ name: 'members' });
  const ruling = sent(applyRowRules({ data: { email: 'a@example.com', _ab_cdc_deleted_at: '2025-01-02' }, route: route as StreamRoute }));
  t.equal((ruling.route.plan as AudiencePlan).action, 'exclude');
});

t.test('consent: only the consent values let a row through; the default values; compared as text ignoring case and spaces', async (t) => {
  const route = routeOf({ stream: 'orders', object: 'event', consent_column: 'marketing_ok' });
  const consented = (value: unknown) => applyRowRules({ data: { clientEventId: 'e1', marketing_ok: value }, route }).send;
  for (const value of [true, 'true', ' True ', 'yes', 'YES', 'granted', '1', 1, new LosslessNumber('1')]) t.equal(consented(value), true, `${String(value)} is consent`);
  for (const value of [false, 'false', 'no', '0', 0, 'denied', '', null, undefined, '1.0', { granted: true }, ['yes']]) t.equal(consented(value), false, `${JSON.stringify(value)} is no consent`);
  const missing = applyRowRules({ data: { clientEventId: 'e1' }, route });
  t.same(missing.send ? 'sent' : missing.reason, NO_CONSENT, 'a row without the column has no consent');

  const custom = routeOf({ stream: 'orders', object: 'event', consent_column: 'gdpr', consent_values: ['opt-in', 2] });
  t.equal(applyRowRules({ data: { clientEventId: 'e1', gdpr: 'Opt-In' }, route: custom }).send, true);
  t.equal(applyRowRules({ data: { clientEventId: 'e1', gdpr: '2' }, route: custom }).send, true);
  t.equal(applyRowRules({ data: { clientEventId: 'e1', gdpr: 'yes' }, route: custom }).send, false, 'the defaults no longer apply');
});

t.test('consent comes before deletes: a deleted audience row without consent is not sent at all', async (t) => {
  const route = routeOf({ stream: 'vips', object: 'audience', consent_column: 'ok' });
  const ruling = applyRowRules({ data: { email: 'a@example.com', ok: 'no', _ab_cdc_deleted_at: '2025-01-02' }, route });
  t.same(ruling.send ? 'sent' : [ruling.reason, ruling.deleted], [NO_CONSENT, false]);
});

t.test('the map form passes the row-rule keys through unchanged', async (t) => {
  const mapForm = parseConfig({ account_id: '1', public_key: 'rpub-x', secret_key: 'rsec-x', streams: { vips: { object: 'audience', consent_column: 'ok', consent_values: ['Y'], deleted_column: 'gone' } } });
  const route = new Router(mapForm, undefined).route({ name: 'vips' }) as StreamRoute;
  t.equal(applyRowRules({ data: { email: 'a@example.com', ok: 'n' }, route }).send, false);
  t.equal(applyRowRules({ data: { email: 'a@example.com', ok: 'y', gone: true }, route }).deleted, true);
});

t.test('bindings that contradict themselves are config errors naming the stream', async (t) => {
  t.throws(() => routeOf({ stream: 'vips', object: 'audience', mirror_deletes: false, deleted_column: 'gone' }), { name: 'ConfigError', message: /Stream "vips" sets deleted_column but turns mirror_deletes off/ });
  t.throws(() => routeOf({ stream: 'vips', object: 'audience', consent_values: ['yes'] }), { name: 'ConfigError', message: /Stream "vips" sets consent_values without consent_column/ });
  t.throws(() => config([{ stream: 'vips', object: 'audience', consent_column: 'ok', consent_values: [] }]), /consent_values/);
});

t.test('click ids: rtid, else rclid, from the landing URL, exactly as written; the URL itself is never sent', async (t) => {
  const route = routeOf({ stream: 'orders', object: 'event', columns: [{ column: 'page', field: 'landing_url' }] });
  const cases: [string, string | undefined][] = [
    ['https://shop.example.com/welcome?utm_source=rokt&rtid=AbC-123_x', 'AbC-123_x'],
    ['https://shop.example.com/?rclid=R9&rtid=T1', 'T1'],
    ['https://shop.example.com/?rclid=R9', 'R9'],
    ['https://shop.example.com/?rtid=&rclid=R9', 'R9'],
    ['https://shop.example.com/?rtid=a%2Bb%20c', 'a+b c'],
    ['/landing?rtid=Rel1', 'Rel1'],
    ['?rtid=Q1', 'Q1'],
    ['https://shop.example.com/?other=1', undefined],
    ['https://shop.example.com/#rtid=frag', undefined],
  ];
  for (const [url, clickId] of cases) {
    const ruling = sent(applyRowRules({ data: { clientEventId: 'e1', page: url, email: 'a@example.com' }, route }));
    t.notOk(ruling.warning, url);
    const event = eventOf(ruling);
    t.equal(event.passbackconversiontrackingid, clickId, url);
    t.notOk(JSON.stringify(event).includes('shop.example') || 'landing_url' in event || 'page' in event, 'the landing URL is not sent');
  }
  const input = { clientEventId: 'e1', page: 'https://x.example/?rtid=T1' };
  applyRowRules({ data: input, route });
  t.same(input, { clientEventId: 'e1', page: 'https://x.example/?rtid=T1' }, 'the input row is not changed');
});

t.test('click ids: a row with a click id keeps it; names resolve through renames, case-insensitively', async (t) => {
  const route = routeOf({ stream: 'orders', object: 'event' });
  const own = sent(applyRowRules({ data: { clientEventId: 'e1', Landing_URL: 'https://x.example/?rtid=FromUrl', PassbackConversionTrackingId: 'Own' }, route }));
  t.same(eventOf(own), { passbackconversiontrackingid: 'Own' }, 'the row’s click id wins; the URL is left out');
  const renamed = routeOf({ stream: 'orders', object: 'event', columns: [{ column: 'rokt_click', field: 'PassbackConversionTrackingID' }] });
  const filled = sent(applyRowRules({ data: { clientEventId: 'e1', rokt_click: '', LANDING_URL: 'https://x.example/?rtid=FromUrl' }, route: renamed }));
  t.same(eventOf(filled), { passbackconversiontrackingid: 'FromUrl' }, 'written under the column the binding maps to the click id');
  const constant = routeOf({ stream: 'orders', object: 'event', constants: [{ field: 'passbackconversiontrackingid', value: 'C1' }] });
  t.same(eventOf(applyRowRules({ data: { clientEventId: 'e1', landing_url: 'https://x.example/?rtid=FromUrl' }, route: constant })), { passbackconversiontrackingid: 'C1' });
});

t.test('click ids: a malformed landing URL is a warning (no URL in it), the row goes on without a click id', async (t) => {
  const route = routeOf({ stream: 'orders', object: 'event' });
  for (const url of ['not a url ?rtid=X', 'https://exa mple.com/?rtid=X', 'www.example.com/?rtid=X', 42, { href: 'https://x.example/?rtid=X' }]) {
    const ruling = sent(applyRowRules({ data: { clientEventId: 'e1', landing_url: url }, route }));
    t.equal(ruling.warning?.kind, 'malformed_landing_url', JSON.stringify(url));
    t.match(ruling.warning?.message, /^Stream "orders": a landing_url is not a URL/);
    t.notOk(ruling.warning?.message.includes('example'), 'the value is never quoted');
    t.same(eventOf(ruling), {});
  }
  t.notOk(sent(applyRowRules({ data: { clientEventId: 'e1', landing_url: '  ' }, route })).warning, 'a blank URL is no URL, not a malformed one');
  t.same(clickIdFromUrl('HTTPS://X.EXAMPLE/?rtid=MiXeD'), { ok: true, clickId: 'MiXeD' });
});

t.test('click ids: audience rows are left as they are', async (t) => {
  const route = routeOf({ stream: 'vips', object: 'audience' });
  const data = { email: 'a@example.com', landing_url: 'https://x.example/?rtid=T1' };
  t.equal(sent(applyRowRules({ data, route })).data, data);
});

t.test('identifier coverage: identifiers per row through renames and constants; counts, the strong share and its warning', async (t) => {
  const route = routeOf({ stream: 'orders', object: 'event', columns: [{ column: 'mail', field: 'email' }], constants: [{ field: 'customerid', value: 'c' }] });
  t.same([...identifiersOf({ mail: 'a@example.com', mobilesha256: 'f'.repeat(64), IOSIDFV: 'x', emailsha256: ' ' }, route.plan)].sort(), ['customer_id', 'device_id', 'email', 'mobile']);
  const coverage = new IdentifierCoverage<string>();
  const rows = [{ mail: 'a@example.com' }, { passbackconversiontrackingid: 'T1' }, { mobile: '7327572923' }, { androiduuid: 'u' }, { mail: null }];
  for (const data of rows) coverage.count('orders', { data, plan: route.plan });
  const counts = new Map(coverage.entries()).get('orders');
  t.same(counts, { rows: 5, with_strong_identifier: 2, email: 1, emailsha256: 0, mobile: 1, click_id: 1, customer_id: 5, device_id: 1 });
  const warning = coverageWarning('orders', counts!);
  t.match(warning, /^Stream "orders": only 2 of 5 rows \(40%\) carried a strong identifier \(email, emailsha256 or a click id\)/);
  t.equal(coverageWarning('orders', { ...counts!, with_strong_identifier: 3 }), undefined, 'half or more: no warning');
  t.equal(coverageWarning('orders', { ...counts!, rows: 0, with_strong_identifier: 0 }), undefined);
});
