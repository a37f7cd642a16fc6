// The rejected-records file holds only what a stream sends to Rokt, with PII hashed — also with
// hash_pii off and for unmapped columns that are PII.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { sha256Hex } from '../src/rules/normalize.js';
import { jsonl, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator } from './helpers/sim.js';

const PERSON = {
  customer_email: 'Zora.Quill@Example.com',
  cell: '(555) 867-5309',
  given: 'Zora',
  surname: 'Quillfeather',
  phone_number: '+1 212 555 0147',
  full_name: 'Zora Q. Quillfeather',
  ssn: '078-05-1120',
  home_address: '12 Wisteria Lane',
};

/** The raw values, and forms of them a normalizer could produce, that must never be in the file. */
const RAW_FORMS = [
  ...Object.values(PERSON),
  'zora.quill@example.com',
  '5558675309',
  '867-5309',
  '2125550147',
  '555 0147',
  'Quillfeather',
  '078051120',
  'Wisteria',
].map((value) => value.toLowerCase());

t.test('rejected rows are written with only the sent fields, PII hashed, although hash_pii is off', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const rejectedPath = join(dir, 'rejected.jsonl');
  const config = simConfig(sim, ['v2', 'v3'], {
    hash_pii: false,
    rejected_records_path: rejectedPath,
    streams: {
      orders: {
        object: 'event',
        columns: { order_id: 'clientEventId', customer_email: 'email', cell: 'mobile', given: 'firstname', surname: 'lastname' },
        constants: { eventType: 'conversion' },
        unmapped_columns: 'custom_attributes',
      },
      leads: { object: 'event', columns: { lead_id: 'clientEventId', customer_email: 'email' }, constants: { eventType: 'signup' } },
      members: { object: 'audience', columns: { customer_email: 'email' } },
    },
  });
  const tooOld = '2001-01-01T00:00:00Z';
  const input = jsonl([
    record('orders', { order_id: 'o-1', eventTime: tooOld, ...PERSON }),
    record('orders', { order_id: 'o-2', ...PERSON }),
    record('leads', { lead_id: 'l-1', eventTime: tooOld, ...PERSON }),
    record('members', { ...PERSON, customer_email: 'Zora Quillfeather at home' }),
    globalState(1),
  ]);
  const write = await runCli(['write', '--config', writeJson(dir, 'config.json', config)], input);
  t.equal(write.code, 0, write.stderr);
  t.equal(ofType(assertAirbyteMessages(t, write.stdout), 'STATE').length, 1);
  t.equal(sim.acceptedEvents.length, 1, 'the row in the window was sent');

  const fileText = readFileSync(rejectedPath, 'utf8');
  const rows = fileText.trim().split('\n').map((line) => JSON.parse(line) as { stream: string; line: number; reason: string; record: Record<string, unknown> });
  t.same(rows.map((row) => [row.stream, row.line]), [['orders', 1], ['leads', 3], ['members', 4]]);
  for (const output of [fileText, write.stderr, ...write.stdout]) {
    const lower = output.toLowerCase();
    t.same(RAW_FORMS.filter((raw) => lower.includes(raw)), [], 'no raw PII value');
  }

  const [orders, leads, members] = rows.map((row) => row.record);
  t.same(orders, {
    eventType: 'conversion',
    clientEventId: 'o-1',
    eventTime: tooOld,
    email: sha256Hex('zora.quill@example.com'),
    mobile: sha256Hex('5558675309'),
    firstname: sha256Hex('zora'),
    lastname: sha256Hex('quillfeather'),
    phone_number: sha256Hex(PERSON.phone_number),
    full_name: sha256Hex(PERSON.full_name),
    ssn: sha256Hex(PERSON.ssn),
    home_address: sha256Hex(PERSON.home_address),
  }, 'custom attributes are sent, so they are kept, hashed');
  t.same(leads, { eventType: 'signup', clientEventId: 'l-1', eventTime: tooOld, email: sha256Hex('zora.quill@example.com') }, 'unmapped columns the stream drops are not written');
  t.same(members, { email: sha256Hex('zoraquillfeatherathome') }, 'an audience row keeps only its identifier, hashed');
});
