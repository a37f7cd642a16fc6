/**
 * A custom Docker image in Airbyte gets no data-activation catalog: its streams are routed only by
 * the `streams` bindings of the connector form (the array form). Hand-written and Meltano configs
 * use the map form. Both must send exactly the same thing to Rokt.
 */
import t, { type Test } from 'tap';
import { jsonl, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { globalState, record, simConfig, startSimulator } from './helpers/sim.js';

const EVENT_TIME = new Date(Date.now() - 3_600_000).toISOString();

const MAP_FORM = {
  orders: {
    object: 'event',
    columns: { order_id: 'transactionid', mail: 'email', total: 'amount', channel: 'metadata.channel' },
    constants: { conversiontype: 'purchase', currency: 'USD', quantity: 1 },
    client_event_id_from_primary_key: true,
    primary_key: ['order_id'],
  },
  signups: { object: 'event', columns: { id: 'clientEventId', kind: 'eventType' }, unmapped_columns: 'custom_attributes' },
  constructor: { object: 'event', columns: { ref: 'clientEventId' } },
  churned: { object: 'audience', audience_name: 'Winback', action: 'exclude', columns: { address: 'email' } },
};

/** The same bindings as Airbyte's form writes them. */
const ARRAY_FORM = [
  {
    stream: 'orders',
    object: 'event',
    columns: [
      { column: 'order_id', field: 'transactionid' },
      { column: 'mail', field: 'email' },
      { column: 'total', field: 'amount' },
      { column: 'channel', field: 'metadata.channel' },
    ],
    constants: [
      { field: 'conversiontype', value: 'purchase' },
      { field: 'currency', value: 'USD' },
      { field: 'quantity', value: '1' },
    ],
    client_event_id_from_primary_key: true,
    primary_key: ['order_id'],
  },
  {
    stream: 'signups',
    object: 'event',
    columns: [
      { column: 'id', field: 'clientEventId' },
      { column: 'kind', field: 'eventType' },
    ],
    unmapped_columns: 'custom_attributes',
  },
  { stream: 'constructor', object: 'event', columns: [{ column: 'ref', field: 'clientEventId' }] },
  { stream: 'churned', object: 'audience', audience_name: 'Winback', action: 'exclude', columns: [{ column: 'address', field: 'email' }] },
];

const INPUT = jsonl([
  record('orders', { order_id: 17, mail: 'Ann@Example.com', total: 9.5, channel: 'web', eventTime: EVENT_TIME, internal: 'never sent' }),
  record('orders', { order_id: 18, mail: 'bob@example.com', total: 3, eventTime: EVENT_TIME }),
  record('signups', { id: 's-1', kind: 'signup', plan: 'pro', eventTime: EVENT_TIME }),
  record('constructor', { ref: 'c-1', eventTime: EVENT_TIME }),
  record('churned', { address: 'gone@example.com' }),
  globalState(1),
]);

/** What one run sent to Rokt: the events as Rokt received them, and the audience changes. */
async function sentWith(t: Test, streams: unknown) {
  const sim = await startSimulator(t);
  const dir = tempDir();
  // No --catalog: the bindings alone route every stream, as for a custom image.
  const result = await runCli(['write', '--config', writeJson(dir, 'c.json', simConfig(sim, ['v2'], { streams }))], INPUT);
  t.equal(result.code, 0, result.stderr);
  const states = ofType(assertAirbyteMessages(t, result.stdout), 'STATE');
  t.same(states.map((m) => m.state.destinationStats), [{ recordCount: 5, rejectedRecordCount: 0 }], 'every record accepted');
  return {
    events: sim.acceptedEvents.map((accepted) => accepted.event).sort((a: any, b: any) => String(a.clientEventId).localeCompare(String(b.clientEventId))),
    audiences: sim.audienceOps.map(({ list, action, key, identifiers }) => ({ list, action, key, identifiers })),
  };
}

t.test('a write with the array form routes rows exactly as the map form did', async (t) => {
  const fromMap = await sentWith(t, MAP_FORM);
  const fromArray = await sentWith(t, ARRAY_FORM);
  t.same(fromArray, fromMap);
  t.equal(fromMap.events.length, 4);
  const ids = fromMap.events.map((event: any) => event.clientEventId);
  t.ok(ids.includes('c-1'), 'a stream named "constructor" is routed by its binding');
  t.ok(ids.includes('s-1'));
  const order = fromMap.events.find((event: any) => event.objectData.some((entry: any) => entry.name === 'transactionid' && entry.value === '17')) as any;
  t.equal(order.eventType, 'conversion', 'no eventType column and no constant: the event_type default');
  t.match(order.clientEventId, /^[0-9a-f-]{36}$/);
  t.same(order.metaData, [{ name: 'channel', value: 'web' }]);
  t.notOk(JSON.stringify(order).includes('never sent'), 'unmapped columns are dropped');
  const signup = fromMap.events.find((event: any) => event.clientEventId === 's-1') as any;
  t.equal(signup.eventType, 'signup');
  t.ok(signup.objectData.some((entry: any) => entry.name === 'plan' && entry.value === 'pro'), 'custom attributes when asked for');
  t.same(fromMap.audiences.map(({ list, action }) => ({ list, action })), [{ list: 'Winback', action: 'exclude' }]);
});

t.test('event_type sets the eventType of rows that carry none', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = simConfig(sim, ['v2'], { event_type: 'signup', streams: [{ stream: 'leads', object: 'event', columns: [{ column: 'id', field: 'clientEventId' }] }] });
  const result = await runCli(['write', '--config', writeJson(dir, 'c.json', config)], jsonl([record('leads', { id: 'l-1', eventTime: EVENT_TIME }), record('leads', { id: 'l-2', eventType: 'own', eventTime: EVENT_TIME }), globalState(1)]));
  t.equal(result.code, 0, result.stderr);
  t.same(
    sim.acceptedEvents.map((accepted) => [accepted.clientEventId, (accepted.event as any).eventType]).sort(),
    [
      ['l-1', 'signup'],
      ['l-2', 'own'],
    ],
  );
});
