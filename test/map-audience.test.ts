import t from 'tap';
import { mapAudienceRecord, MD5_REASON, type AudiencePlan } from '../src/rules/map-audience.js';
import { fieldPlan } from '../src/catalog/plan.js';
import { streamBindingSchema } from '../src/config/schema.js';

const plan = (overrides: Partial<AudiencePlan> = {}, binding?: unknown): AudiencePlan => ({
  ...fieldPlan({ name: 'vips' }, binding ? streamBindingSchema.parse(binding) : undefined),
  hashPii: true,
  defaultList: 'vips',
  action: 'include',
  ...overrides,
});
const TEST_SHA = '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b'; // sha256("test@example.com")

t.test('plain email is normalized and hashed into sha256s', async (t) => {
  t.same(mapAudienceRecord({ data: { email: ' Test@Example.com ' }, plan: plan() }), { ok: true, value: { list: 'vips', action: 'include', key: 'sha256s', identifier: TEST_SHA } });
});

t.test('hash_pii false sends the normalized email as emails', async (t) => {
  t.same(mapAudienceRecord({ data: { email: ' Test@Example.com ' }, plan: plan({ hashPii: false }) }), { ok: true, value: { list: 'vips', action: 'include', key: 'emails', identifier: 'test@example.com' } });
});

t.test('emailsha256 passes lowercased; malformed is rejected', async (t) => {
  t.match(mapAudienceRecord({ data: { emailsha256: TEST_SHA.toUpperCase() }, plan: plan() }), { ok: true, value: { key: 'sha256s', identifier: TEST_SHA } });
  t.same(mapAudienceRecord({ data: { emailsha256: 'abc' }, plan: plan() }), { ok: false, rejection: { field: 'emailsha256', reason: 'emailsha256 must be a 64-hex SHA-256 digest' } });
});

t.test('MD5-only rows are rejected with a reason that says why', async (t) => {
  t.same(mapAudienceRecord({ data: { emailmd5: '55502f40dc8b7c769880b10874abc9d0' }, plan: plan() }), { ok: false, rejection: { field: 'emailmd5', reason: MD5_REASON } });
  t.match(MD5_REASON, /MD5/);
});

t.test('no identifier, or an invalid email, is rejected', async (t) => {
  t.match(mapAudienceRecord({ data: { name: 'x' }, plan: plan() }), { ok: false, rejection: { reason: /no identifier/ } });
  t.match(mapAudienceRecord({ data: { email: 'not-an-email' }, plan: plan() }), { ok: false, rejection: { field: 'email', reason: /not a valid email/ } });
});

t.test('the row’s list wins over the binding’s audience name; action comes from the plan', async (t) => {
  t.match(mapAudienceRecord({ data: { email: 'a@b.co', list: 'Gold' }, plan: plan({ action: 'exclude' }) }), { ok: true, value: { list: 'Gold', action: 'exclude' } });
  const bound = plan({ defaultList: 'Newsletter' }, { stream: 'vips', object: 'audience', columns: [{ column: 'customer_email', field: 'email' }] });
  t.match(mapAudienceRecord({ data: { customer_email: 'a@b.co', other: 1 }, plan: bound }), { ok: true, value: { list: 'Newsletter', key: 'sha256s' } });
});
