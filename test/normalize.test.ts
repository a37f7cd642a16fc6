import t from 'tap';
import { hashPii, hashPiiValue, normalizeMobile, normalizePiiValue, sha256Hex } from '../src/rules/normalize.js';

t.test('mobiles that can take Rokt\'s 10-digit form are normalized to it', async (t) => {
  const cases: [string, string][] = [
    ['(732) 757-2923', '7327572923'],
    ['732.757.2923', '7327572923'],
    ['732/757 2923', '7327572923'],
    [' 7327572923 ', '7327572923'],
    ['1 732 757 2923', '7327572923'],
    ['1-732-757-2923', '7327572923'],
    ['+1 (732) 757-2923', '7327572923'],
    ['+17327572923', '7327572923'],
    ['001 732 757 2923', '7327572923'],
    ['00 1 (732) 757-2923', '7327572923'],
    ['011 1 732 757 2923', '7327572923'],
    ['   ', ''],
  ];
  for (const [input, normalized] of cases) t.same(normalizeMobile(input), { ok: true, normalized }, JSON.stringify(input));
});

t.test('mobiles that cannot take Rokt\'s form are refused with a reason, never hashed', async (t) => {
  const cases: [string, RegExp][] = [
    ['+44 20 7946 0958', /country code other than \+1/],
    ['0044 20 7946 0958', /country code other than \+1/],
    ['011 44 20 7946 0958', /country code other than \+1/],
    ['+61 412 345 678', /country code other than \+1/],
    ['011 7 327 572 9231', /country code other than \+1/],
    ['(732) 757-2923 ext. 12', /extension/],
    ['732-757-2923 x12', /extension/],
    ['732-757-2923 extension 12', /extension/],
    ['732-757-2923#12', /extension/],
    ['+1-732-757-2923;ext=12', /extension/],
    ['757-2923', /has 7 digits: Rokt takes the 10-digit number/],
    ['07911 123456', /has 11 digits/],
    ['12345678901234', /has 14 digits/],
    ['+1 757 2923', /7 digits after the country code \+1, not 10/],
    ['+1 732 757 29231', /11 digits after the country code \+1/],
    ['1-800-FLOWERS', /not a phone number/],
    ['732-757-2923 (home)', /not a phone number/],
    ['732+757+2923', /not a phone number/],
    ['+', /no digits/],
    ['()', /no digits/],
  ];
  for (const [input, reason] of cases) {
    const result = normalizeMobile(input);
    t.match(result, { ok: false, reason }, JSON.stringify(input));
    if (!result.ok) t.notOk(result.reason.includes(input.trim()), 'the reason does not repeat the value');
    t.same(hashPiiValue('mobile', input), result, 'hashPiiValue refuses it the same way');
    t.equal(hashPii('mobile', input), undefined, 'hashPii yields no digest');
  }
});

t.test('hashPiiValue: a digest passes through lowercased; text PII is normalized and hashed', async (t) => {
  const digest = sha256Hex('7327572923');
  t.same(hashPiiValue('mobile', '+1 (732) 757-2923'), { ok: true, digest });
  t.same(hashPiiValue('mobile', digest.toUpperCase()), { ok: true, digest }, 'never hashed twice');
  t.same(hashPiiValue('email', '  Jane.Doe@Example.COM '), { ok: true, digest: sha256Hex('jane.doe@example.com') });
  t.same(hashPiiValue('name', ' Mary Ann '), { ok: true, digest: sha256Hex('maryann') });
  t.same(hashPiiValue('ip', ' 2001:DB8::1 '), { ok: true, digest: sha256Hex('2001:db8::1') });
  t.same(hashPiiValue('mobile', ' '), { ok: true, digest: undefined }, 'nothing left: no value');
  t.same(normalizePiiValue('email', ' A@B.CO '), { ok: true, normalized: 'a@b.co' });
  t.same(normalizePiiValue('mobile', '001 732 757 2923'), { ok: true, normalized: '7327572923' });
});
