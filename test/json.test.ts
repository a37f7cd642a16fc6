import t from 'tap';
import { describeJsonError, rawMember, withStateMember } from '../src/protocol/json.js';
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
