import { LosslessNumber } from 'lossless-json';
import t from 'tap';
import { toRoktString } from '../src/catalog/plan.js';

t.test('toRoktString: numbers exactly as written', async (t) => {
  t.equal(toRoktString(new LosslessNumber('10.50')), '10.50', 'trailing zero kept');
  t.equal(toRoktString(new LosslessNumber('1e21')), '1e21', 'exponent form kept');
  t.equal(toRoktString(new LosslessNumber('12345678901234567890123')), '12345678901234567890123', 'big integer keeps every digit');
  t.equal(toRoktString(new LosslessNumber('-0')), '-0');
  t.equal(toRoktString(99.95), '99.95');
  t.equal(toRoktString(12345678901234567890n), '12345678901234567890');
  t.equal(toRoktString(true), 'true');
  t.equal(toRoktString('as is '), 'as is ');
});

t.test('toRoktString: objects and arrays as JSON, big integers inside kept as numbers', async (t) => {
  const value = { id: new LosslessNumber('12345678901234567890'), price: new LosslessNumber('10.50'), list: [new LosslessNumber('1e21'), 'x', null, { n: 1 }] };
  const text = toRoktString(value);
  t.equal(text, '{"id":12345678901234567890,"price":10.50,"list":[1e21,"x",null,{"n":1}]}');
  t.equal(toRoktString([1, 'a']), '[1,"a"]');
  t.equal(toRoktString(null), 'null');
  const lookalike = JSON.parse('{"isLosslessNumber": true, "value": "1"}');
  t.equal(toRoktString({ x: lookalike }), '{"x":{"isLosslessNumber":true,"value":"1"}}', 'an object that only looks like a LosslessNumber is data');
  t.equal(toRoktString(JSON.parse('{"__proto__": 1, "constructor": 2}')), '{"__proto__":1,"constructor":2}', 'keys named like prototype members are data');
});
