import t from 'tap';
import { describeJsonError, hasNonCanonicalNumber, rawMember, withStateMember } from '../src/protocol/json.js';
import { seededRandom } from '../src/simulator/seeded-random.js';
import { findJsonSyntaxProblem } from '../src/protocol/json-scan.js';

t.test('describeJsonError says where and what, never the bytes', async (t) => {
  const cases: [string, string][] = [
    ['', 'invalid JSON at column 1: the line ends where a value should start'],
    ['{"a":1', "invalid JSON at column 7: the line ends inside an object or array"],
    ['{"a": "x\u0001"}', 'invalid JSON at column 9: control character inside a string'],
    ['{a:1}', 'invalid JSON at column 2: expected a property name in double quotes'],
    ['[1,]', 'invalid JSON at column 4: unexpected character where a value should start'],
    ['{"a":1}x', 'invalid JSON at column 8: unexpected text after the JSON value'],
    ['{"a":"\\q"}', 'invalid JSON at column 7: invalid escape in a string'],
    ['{"a" 1}', "invalid JSON at column 6: expected ':' after a property name"],
    ['{"a":1 "b":2}', "invalid JSON at column 8: expected ',' or '}'"],
    ['{"secret":"jane.secret@example.com', 'invalid JSON at column 35: the line ends inside a string'],
  ];
  for (const [text, expected] of cases) {
    t.equal(describeJsonError(text), expected, JSON.stringify(text));
    t.throws(() => JSON.parse(text), 'JSON.parse refuses it too');
  }
  for (const valid of ['{}', '[]', '{"a":[1,{"b":null}],"c":"\\u00e9"}', ' 1.5e3 ', '"x"', '[[[[]]]]']) t.equal(findJsonSyntaxProblem(valid), undefined, valid);
  t.equal(findJsonSyntaxProblem('['.repeat(100_000) + ']'.repeat(100_000)), undefined, 'depth costs no stack');
});

t.test('a STATE is echoed from its text: numbers, key order and depth survive', async (t) => {
  const line = '{"type":"STATE","state":{"type":"GLOBAL","global":{"shared_state":{"cursor":12345678901234567890123,"price":10.50}},"id":7}}';
  t.equal(
    withStateMember(line, 'destinationStats', '{"recordCount":1,"rejectedRecordCount":0}'),
    '{"type":"STATE","state":{"type":"GLOBAL","global":{"shared_state":{"cursor":12345678901234567890123,"price":10.50}},"id":7,"destinationStats":{"recordCount":1,"rejectedRecordCount":0}}}',
  );
  t.equal(
    withStateMember('{"type":"STATE","state":{"destinationStats":{"recordCount":99},"data":1}}', 'destinationStats', '{"recordCount":1}'),
    '{"type":"STATE","state":{"destinationStats":{"recordCount":1},"data":1}}',
    'an existing member is replaced, not duplicated',
  );
  t.equal(withStateMember('{"type":"STATE","state":{}}', 'destinationStats', '1'), '{"type":"STATE","state":{"destinationStats":1}}');
  const deep = '['.repeat(50_000) + ']'.repeat(50_000);
  const deepLine = `{"type":"STATE","state":{"data":${deep}}}`;
  const echoed = withStateMember(deepLine, 'destinationStats', '2');
  t.equal(echoed, `{"type":"STATE","state":{"data":${deep},"destinationStats":2}}`, 'a state nested 50,000 deep is echoed');
  t.equal(rawMember('{"type":"STATE","value":{"bookmarks":{"s":{"id":1.0}}}}', 'value')?.text, '{"bookmarks":{"s":{"id":1.0}}}');
  t.equal(rawMember('{"type":"STATE"}', 'value'), undefined);
});

t.test('the quick number pre-test misses no number JavaScript would print differently', async (t) => {
  const random = seededRandom(7);
  const digits = (count: number) => Array.from({ length: count }, () => String(Math.floor(random() * 10))).join('');
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const shapes: (() => string)[] = [
    () => String(Math.floor(random() * 1e6)), // plain integer
    () => `${digits(1 + Math.floor(random() * 25)).replace(/^0+(?=\d)/, '')}`, // any length of integer
    () => `${Math.floor(random() * 1000)}.${digits(1 + Math.floor(random() * 18))}`, // fractions, trailing zeros or not
    () => `0.${'0'.repeat(Math.floor(random() * 9))}${digits(1 + Math.floor(random() * 4))}`, // small magnitudes around 1e-6
    () => `${1 + Math.floor(random() * 9)}${pick(['', '.5', '.25', '.0'])}${pick(['e', 'E'])}${pick(['', '+', '-'])}${Math.floor(random() * 30)}`,
    () => pick(['0', '-0', '0.0', '-0.0', '-0.5', '1e21', '1e-7', '0.000001', '0.0000001', '100', '9007199254740993', '123456789012345', '1234567.890123456']),
  ];
  let nonCanonical = 0;
  for (let i = 0; i < 20_000; i += 1) {
    const sign = random() < 0.3 ? '-' : '';
    const raw = (pick(shapes) as () => string)();
    const token = raw.startsWith('-') ? raw : sign + raw;
    const exact = String(Number(token)) !== token;
    if (exact) nonCanonical += 1;
    const space = pick(['', ' ', '\n\t ']);
    const line = `{"type":"RECORD","record":{"stream":"s","data":{"id":"x-0","a":${space}${token}${space},"b":[${token}]}}}`;
    if (hasNonCanonicalNumber(line) !== exact) {
      t.fail(`${token}: the scan says ${!exact}`);
      return;
    }
  }
  t.ok(nonCanonical > 2000 && nonCanonical < 18_000, `both kinds were tried (${nonCanonical} non-canonical of 20000)`);
  t.equal(hasNonCanonicalNumber('{"a":"10.50","b":"1e5","c":"-0"}'), false, 'numbers inside strings are not numbers');
});
