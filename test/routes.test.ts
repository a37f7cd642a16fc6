import t from 'tap';
import { parseConfiguredCatalog } from '../src/catalog/configured-catalog.js';
import { mapEventRecord } from '../src/rules/map-event.js';
import { Router, type StreamRoute } from '../src/catalog/routes.js';
import { parseConfig } from '../src/config/load.js';
import { ConfigError } from '../src/errors.js';

const NOW = Date.now();
const config = (extra: Record<string, unknown> = {}) => parseConfig({ account_id: '1', public_key: 'rpub-x', secret_key: 'rsec-x', ...extra });
const catalogOf = (...streams: Record<string, unknown>[]) => parseConfiguredCatalog({ streams });
const stream = (name: string, object: string | undefined, extra: Record<string, unknown> = {}) => {
  const { namespace, ...rest } = extra;
  return {
    stream: { name, ...(namespace === undefined ? {} : { namespace }), json_schema: { type: 'object', properties: {} } },
    destination_sync_mode: 'append',
    ...(object ? { destination_object_name: object } : {}),
    ...rest,
  };
};
const eventBinding = (name: string, extra: Record<string, unknown> = {}) => ({ stream: name, object: 'event', ...extra });
const eventPlan = (route: StreamRoute | undefined) => {
  if (route?.object !== 'event') throw new Error(`expected an event route, got ${route?.object}`);
  return route.plan;
};

t.test('stream identity is (namespace, name): "public.orders" and orders in namespace public are two streams', async (t) => {
  const router = new Router(config(), catalogOf(stream('orders', 'audience', { namespace: 'public' }), stream('public.orders', 'event')));
  t.equal(router.route({ name: 'orders', namespace: 'public' })?.object, 'audience');
  t.equal(router.route({ name: 'public.orders' })?.object, 'event');
  t.equal(router.route({ name: 'orders' }), undefined, 'orders without a namespace is routed nowhere');
  t.equal(router.route({ name: 'orders', namespace: 'other' }), undefined);
  t.equal(router.route({ name: 'orders', namespace: '' }), undefined, 'an empty namespace is no namespace');
});

t.test('a configured catalog listing one stream twice is refused, naming the stream', async (t) => {
  t.throws(() => new Router(config(), catalogOf(stream('orders', 'event'), stream('orders', 'audience'))), { name: 'ConfigError', message: /lists stream "orders" \(no namespace\) more than once/ });
  t.throws(() => new Router(config(), catalogOf(stream('orders', 'event', { namespace: 'public' }), stream('orders', 'event', { namespace: 'public' }))), {
    message: /lists stream "orders" in namespace "public" more than once/,
  });
  t.doesNotThrow(() => new Router(config(), catalogOf(stream('orders', 'event', { namespace: 'a' }), stream('orders', 'event', { namespace: 'b' }), stream('orders', 'event'))));
});

t.test('two bindings for one (namespace, name) are refused; a namespaced binding wins over a bare one', async (t) => {
  const twice = config({ streams: [eventBinding('orders'), eventBinding('orders', { object: 'audience' })] });
  t.throws(() => new Router(twice, undefined), { message: /config.streams binds stream "orders" \(no namespace\) twice \(entries 1 and 2\)/ });
  const twiceInNamespace = config({ streams: [eventBinding('orders', { namespace: 'public' }), eventBinding('x'), eventBinding('orders', { namespace: 'public' })] });
  t.throws(() => new Router(twiceInNamespace, undefined), { message: /binds stream "orders" in namespace "public" twice \(entries 1 and 3\)/ });
  t.throws(() => new Router(twiceInNamespace, undefined, { keysFromInput: true }), ConfigError, 'also when keys come from the input');

  const router = new Router(
    config({ streams: [eventBinding('orders', { constants: [{ field: 'eventType', value: 'any' }] }), eventBinding('orders', { namespace: 'public', object: 'audience' })] }),
    undefined,
  );
  t.equal(router.route({ name: 'orders', namespace: 'public' })?.object, 'audience', 'the binding for the namespace');
  t.equal(router.route({ name: 'orders', namespace: 'staging' })?.object, 'event', 'the bare binding for any other namespace');
  t.equal(router.route({ name: 'orders' })?.object, 'event');
  t.equal(router.route({ name: 'public.orders' }), undefined, 'a name is never split at a dot');
});

t.test('streams named constructor, toString, __proto__ work in the catalog and in bindings', async (t) => {
  const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];
  const fromCatalog = new Router(config(), catalogOf(...names.map((name) => stream(name, 'event'))));
  for (const name of names) t.equal(fromCatalog.route({ name })?.object, 'event', `catalog stream ${name}`);
  const fromBindings = new Router(config({ streams: names.map((name) => eventBinding(name, { object: 'audience' })) }), undefined);
  for (const name of names) t.match(fromBindings.route({ name }), { object: 'audience', plan: { defaultList: name } }, `bound stream ${name}`);
  const none = new Router(config(), catalogOf(stream('orders', 'event')));
  for (const name of names) t.equal(none.route({ name }), undefined, `an unknown stream named ${name} goes nowhere`);
  for (const mode of ['constructor', 'toString', '__proto__']) {
    t.throws(() => new Router(config(), catalogOf(stream('members', 'audience', { destination_sync_mode: mode }))), { message: new RegExp(`destination_sync_mode "${mode}"; audiences support append`) }, `sync mode ${mode} is no action`);
  }
});

t.test('the route follows the primary key each record carries, whatever order the routes are asked in', async (t) => {
  const router = new Router(config({ streams: [eventBinding('orders', { client_event_id_from_primary_key: true })] }), undefined, { keysFromInput: true });
  const byId = router.route({ name: 'orders' }, ['id']);
  const byIdAndRegion = router.route({ name: 'orders' }, ['id', 'region']);
  t.same(eventPlan(byId).idFromPrimaryKey, [['id']]);
  t.same(eventPlan(byIdAndRegion).idFromPrimaryKey, [['id'], ['region']]);
  t.same(eventPlan(router.route({ name: 'orders' }, ['id'])).idFromPrimaryKey, [['id']], 'a record read under the first SCHEMA, routed after the second arrived');
  router.reset({ name: 'orders' });
  t.same(eventPlan(router.route({ name: 'orders' }, ['id', 'region'])).idFromPrimaryKey, [['id'], ['region']]);
  t.same(eventPlan(router.route({ name: 'orders' }, ['id'])).idFromPrimaryKey, [['id']]);
  t.equal(router.route({ name: 'orders' }, ['id']), router.route({ name: 'orders' }, ['id']), 'one route per key, reused');
  t.throws(() => router.route({ name: 'orders' }, []), { message: /Stream "orders" asks for client_event_id_from_primary_key but has no primary key/ });
  const keyed = new Router(config({ streams: [eventBinding('orders', { client_event_id_from_primary_key: true, primary_key: ['order_id'] })] }), undefined, { keysFromInput: true });
  t.same(eventPlan(keyed.route({ name: 'orders' }, ['id'])).idFromPrimaryKey, [['order_id']], "the binding's primary_key wins over the input's");
});

t.test('a catalog primary key with nested paths is used whole', async (t) => {
  const router = new Router(config({ streams: [eventBinding('orders', { client_event_id_from_primary_key: true })] }), catalogOf(stream('orders', 'event', { primary_key: [['id'], ['meta', 'region']] })));
  const plan = eventPlan(router.route({ name: 'orders' }));
  t.same(plan.idFromPrimaryKey, [['id'], ['meta', 'region']]);
  const eu = mapEventRecord({ data: { id: 1, eventType: 't', meta: { region: 'eu' } }, plan, nowMs: NOW });
  const us = mapEventRecord({ data: { id: 1, eventType: 't', meta: { region: 'us' } }, plan, nowMs: NOW });
  t.ok(eu.ok && us.ok && eu.value.clientEventId !== us.value.clientEventId, 'rows differing only in meta.region get different ids');
});

t.test('namespaced streams derive different clientEventIds from the same key values', async (t) => {
  const router = new Router(
    config({ streams: [eventBinding('orders', { client_event_id_from_primary_key: true, primary_key: ['id'], constants: [{ field: 'eventType', value: 't' }] })] }),
    catalogOf(stream('orders', 'event', { namespace: 'a' }), stream('orders', 'event', { namespace: 'b' })),
  );
  const idIn = (namespace: string) => {
    const mapped = mapEventRecord({ data: { id: 1 }, plan: eventPlan(router.route({ name: 'orders', namespace })), nowMs: NOW });
    return mapped.ok ? mapped.value.clientEventId : mapped.rejection.reason;
  };
  t.not(idIn('a'), idIn('b'));
});

t.test('eventType defaults to the config event_type, else conversion', async (t) => {
  const mapped = (extra: Record<string, unknown>) => {
    const router = new Router(config({ streams: [eventBinding('orders')], ...extra }), undefined);
    return mapEventRecord({ data: { clientEventId: 'e1' }, plan: eventPlan(router.route({ name: 'orders' })), nowMs: NOW });
  };
  t.match(mapped({}), { ok: true, value: { eventType: 'conversion' } });
  t.match(mapped({ event_type: 'signup' }), { ok: true, value: { eventType: 'signup' } });
});

t.test('objects(): what the routed streams and bindings write', async (t) => {
  t.same([...new Router(config(), catalogOf(stream('a', 'audience'), stream('b', undefined))).objects()], ['audience']);
  t.same([...new Router(config({ streams: [eventBinding('x')] }), undefined, { keysFromInput: true }).objects()], ['event']);
});
