import t, { type Test } from 'tap';
import type { AudiencePlan } from '../src/rules/map-audience.js';
import type { EventPlan } from '../src/rules/map-event.js';
import { sha256Hex } from '../src/rules/normalize.js';
import { hashedCopy } from '../src/sync/rejected-record.js';

const eventPlan = (fields: Partial<EventPlan> = {}): EventPlan => ({
  stream: { name: 'orders' },
  renames: new Map(),
  constants: [],
  keepUnknownColumns: false,
  hashPii: false,
  idFromPrimaryKey: [],
  ...fields,
});

const audiencePlan = (fields: Partial<AudiencePlan> = {}): AudiencePlan => ({
  stream: { name: 'members' },
  renames: new Map(),
  constants: [],
  keepUnknownColumns: false,
  hashPii: false,
  defaultList: 'members',
  action: 'include',
  ...fields,
});

const RAW_PII = {
  customer_email: ' Jane.Doe@Example.com ',
  cell: '+1 (732) 757-2923',
  first: 'Jane',
  last: 'Doe',
  ip: '203.0.113.7',
  phone_number: '(555) 010-4477',
  full_name: 'Jane Q. Doe',
  ssn: '078-05-1120',
};

/** Every raw value of RAW_PII, and its distinctive parts, must be absent from the copy. */
function assertNoRawPii(t: Test, copy: unknown): void {
  const text = JSON.stringify(copy);
  for (const raw of [...Object.values(RAW_PII), 'Jane', 'Doe', 'Example.com', '757-2923', '7327572923', '203.0.113', '010-4477', '078-05']) {
    t.notOk(text.toLowerCase().includes(raw.trim().toLowerCase()), `no raw ${raw}`);
  }
}

t.test('a binding that drops unmapped columns: only mapped fields under their Rokt names, PII hashed although hash_pii is off', async (t) => {
  const plan = eventPlan({
    renames: new Map([
      ['order_id', 'clientEventId'],
      ['customer_email', 'email'],
      ['cell', 'Mobile'],
      ['first', 'firstname'],
      ['last', 'lastname'],
      ['ip', 'ipaddress'],
      ['total', 'amount'],
      ['channel', 'metadata.channel'],
    ]),
    constants: [['eventType', 'conversion'], ['currency', 'USD']],
  });
  const copy = hashedCopy({ order_id: 'o-1', total: 9.5, channel: 'web', country: 'US', notes: 'call back', eventTime: '2020-01-01T00:00:00Z', ...RAW_PII }, plan);
  t.same(copy, {
    eventType: 'conversion',
    currency: 'USD',
    clientEventId: 'o-1',
    amount: 9.5,
    'metadata.channel': sha256Hex('web'),
    country: 'US',
    eventTime: '2020-01-01T00:00:00Z',
    email: sha256Hex('jane.doe@example.com'),
    Mobile: sha256Hex('7327572923'),
    firstname: sha256Hex('jane'),
    lastname: sha256Hex('doe'),
    ipaddress: sha256Hex('203.0.113.7'),
  });
  t.notOk('notes' in copy || 'phone_number' in copy || 'full_name' in copy || 'ssn' in copy, 'unmapped columns are not written');
  assertNoRawPii(t, copy);
});

t.test('custom_attributes: unmapped columns are kept (they are sent), but hashed', async (t) => {
  const plan = eventPlan({ keepUnknownColumns: true, renames: new Map([['customer_email', 'email']]) });
  const copy = hashedCopy({ clientEventId: 'e-1', eventType: 'signup', ...RAW_PII }, plan);
  t.same(Object.keys(copy).sort(), ['cell', 'clientEventId', 'email', 'eventType', 'first', 'full_name', 'ip', 'last', 'phone_number', 'ssn']);
  t.equal(copy.ssn, sha256Hex('078-05-1120'), 'the string Rokt would get, hashed');
  t.equal(copy.full_name, sha256Hex('Jane Q. Doe'));
  assertNoRawPii(t, copy);
});

t.test('data-activation streams (no binding) keep every column; a …sha256 field that is no digest is hashed', async (t) => {
  const digest = sha256Hex('someone@example.org');
  const copy = hashedCopy({ clientEventId: 'e-2', emailsha256: 'Jane.Doe@Example.com', mobilesha256: digest.toUpperCase(), mobile: '757-2923', nested: { email: 'Jane.Doe@Example.com' } }, eventPlan({ keepUnknownColumns: true }));
  t.same(copy, {
    clientEventId: 'e-2',
    emailsha256: sha256Hex('jane.doe@example.com'),
    mobilesha256: digest,
    nested: sha256Hex(JSON.stringify({ email: 'Jane.Doe@Example.com' })),
  }, 'a mobile that cannot take Rokt\'s form is left out, not written raw');
  assertNoRawPii(t, copy);
});

t.test('reserved rokt. names and empty values are left out; a column named __proto__ stays data', async (t) => {
  const data = JSON.parse('{"clientEventId": "e-3", "rokt.secret": "x", "metadata.rokt.y": "z", "blank": "", "none": null, "__proto__": {"polluted": true}}') as Record<string, unknown>;
  const copy = hashedCopy(data, eventPlan({ keepUnknownColumns: true }));
  t.same(Object.keys(copy).sort(), ['__proto__', 'clientEventId']);
  t.equal(copy.__proto__, sha256Hex('{"polluted":true}'));
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});

t.test('audience rows: only the fields an audience sends, the email hashed whatever hash_pii says', async (t) => {
  const plan = audiencePlan({ renames: new Map([['customer_email', 'email'], ['segment', 'list']]) });
  const copy = hashedCopy({ segment: 'VIPs', other: 'x', ...RAW_PII }, plan);
  t.same(copy, { list: 'VIPs', email: sha256Hex('jane.doe@example.com') });
  assertNoRawPii(t, copy);
  const md5 = hashedCopy({ emailmd5: 'D41D8CD98F00B204E9800998ECF8427E', EmailSha256: 'not-a-digest@example.com' }, audiencePlan());
  t.same(md5, { emailmd5: 'd41d8cd98f00b204e9800998ecf8427e', emailsha256: sha256Hex('not-a-digest@example.com') });
  t.same(hashedCopy({ emailmd5: 'Jane.Doe@Example.com' }, audiencePlan()), { emailmd5: sha256Hex('jane.doe@example.com') }, 'an emailmd5 that is no digest is hashed');
});
