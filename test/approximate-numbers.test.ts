import { LosslessNumber } from 'lossless-json';
import t from 'tap';
import { withApproximateNumbers } from '../src/protocol/approximate-numbers.js';
import { parseMessageLine } from '../src/protocol/json.js';

t.test('a value without LosslessNumbers comes back as the very same value', async (t) => {
  const record = { id: 1, name: 'a', tags: ['x', 2], nested: { at: null, ok: true } };
  t.equal(withApproximateNumbers(record), record);
  t.equal(withApproximateNumbers(record.tags), record.tags);
  for (const scalar of [0, -1.5, 'text', true, null, undefined]) t.equal(withApproximateNumbers(scalar), scalar);
});

t.test('LosslessNumbers become their nearest JS number, at any depth; the input is untouched', async (t) => {
  const text = '{"id":9223372036854775807,"price":10.50,"big":1e21,"zero":-0,"plain":3,"list":[1,2.50],"nested":{"deep":[{"n":12345678901234567890}]},"same":{"a":1}}';
  // As the reader parses a record: only numbers JavaScript would print differently are LosslessNumbers.
  const record = parseMessageLine(text, () => false) as Record<string, any>;
  const before = JSON.stringify(record);
  const approximate = withApproximateNumbers(record);
  t.same(approximate, { id: 9223372036854775807, price: 10.5, big: 1e21, zero: -0, plain: 3, list: [1, 2.5], nested: { deep: [{ n: 12345678901234567890 }] }, same: { a: 1 } });
  t.ok(Object.is(approximate.zero, -0), '-0 stays negative zero');
  t.equal(JSON.stringify(record), before, 'the record itself is unchanged');
  t.ok(record.price instanceof LosslessNumber && record.price.value === '10.50', 'its numbers keep their text');
  t.not(approximate, record, 'a copy when something changed');
  t.equal(approximate.same, record.same, 'branches without LosslessNumbers are shared, not copied');
});

t.test('a key named __proto__ stays a plain key in the copy', async (t) => {
  const record = JSON.parse('{"__proto__":{"polluted":1},"n":1}') as Record<string, unknown>;
  record.n = new LosslessNumber('1.0');
  const approximate = withApproximateNumbers(record) as Record<string, unknown>;
  t.same(Object.keys(approximate), ['__proto__', 'n']);
  t.equal(Object.getPrototypeOf(approximate), Object.prototype);
  t.equal((approximate as { polluted?: number }).polluted, undefined);
  t.equal(approximate.n, 1);
});
