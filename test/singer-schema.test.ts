import { join } from 'node:path';
import { parse as losslessParse } from 'lossless-json';
import t from 'tap';
import { batchFilePath } from '../src/protocol/batch-files.js';
import { compilableSchema, isMultipleOf, SingerSchemaCompiler } from '../src/protocol/singer-schema.js';

t.test('compilableSchema: plain numbers, draft-04 exclusive bounds rewritten, $schema picks the draft; the input is untouched', async (t) => {
  const text =
    '{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{' +
    '"id":{"type":["integer"],"maximum":9223372036854775807,"minimum":-9223372036854775808},' +
    '"amount":{"type":["null","number"],"exclusiveMaximum":true,"maximum":100000000,"exclusiveMinimum":true,"minimum":-100000000,"multipleOf":0.01},' +
    '"closed":{"type":"number","exclusiveMaximum":false,"maximum":5},' +
    '"list":{"type":"array","items":{"anyOf":[{"type":"number","exclusiveMinimum":true,"minimum":0},{"type":"null"}]}},' +
    '"choice":{"enum":[{"exclusiveMaximum":true}]}}}';
  const schema = losslessParse(text) as Record<string, unknown>;
  const before = JSON.stringify(schema);
  const { schema: prepared, draft } = compilableSchema(schema);
  t.equal(draft, '2020-12');
  t.same(prepared, {
    type: 'object',
    properties: {
      id: { type: ['integer'], maximum: 9223372036854775807, minimum: -9223372036854775808 },
      amount: { type: ['null', 'number'], exclusiveMaximum: 100000000, exclusiveMinimum: -100000000, multipleOf: 0.01 },
      closed: { type: 'number', maximum: 5 },
      list: { type: 'array', items: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'null' }] } },
      choice: { enum: [{ exclusiveMaximum: true }] },
    },
  });
  t.equal(typeof (prepared.properties as any).id.maximum, 'number');
  t.equal(JSON.stringify(schema), before, 'the SCHEMA message is not changed');
  t.equal(compilableSchema({ properties: {} }).draft, '07');
  t.equal(compilableSchema({ $schema: 'http://json-schema.org/draft-04/schema#', properties: {} }).draft, '07');
});

t.test('isMultipleOf allows binary floating point error, nothing more', async (t) => {
  for (const value of [1.15, 0.07, 12.34, 1e-38, 0, -4.2, 123456789.01, 1234567891234.57]) t.ok(isMultipleOf(value, 0.01), `${value} is a multiple of 0.01`);
  for (const value of [0.015, 1.155, 1234567891234.575]) t.notOk(isMultipleOf(value, 0.01), `${value} is not a multiple of 0.01`);
  t.ok(isMultipleOf(12.3456, 0.0001));
  t.notOk(isMultipleOf(12.34565, 0.0001));
  t.ok(isMultipleOf(10, 5));
  t.notOk(isMultipleOf(11, 5));
});

t.test('SingerSchemaCompiler validates what real taps send', async (t) => {
  const compiler = new SingerSchemaCompiler();
  const pgNumeric = compiler.compile({ type: 'object', properties: { price: { type: ['null', 'number'], exclusiveMaximum: true, maximum: 1e8, exclusiveMinimum: true, minimum: -1e8, multipleOf: 0.01 } } });
  t.ok(pgNumeric({ price: 1.15 }));
  t.ok(pgNumeric({ price: null }));
  t.notOk(pgNumeric({ price: 1e8 }), 'the exclusive bound still applies');
  t.notOk(pgNumeric({ price: 0.015 }));
  t.match(pgNumeric.errors?.[0], { instancePath: '/price', message: 'must be multiple of 0.01' });
  const sdk = compiler.compile({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', required: ['id'], properties: { id: { type: ['integer'] } } });
  t.ok(sdk({ id: 1 }));
  t.notOk(sdk({}));
  const recursive = compiler.compile({
    definitions: { sdc_recursive_integer_array: { type: ['null', 'integer', 'array'], items: { $ref: '#/definitions/sdc_recursive_integer_array' } } },
    type: 'object',
    properties: { ids: { $ref: '#/definitions/sdc_recursive_integer_array' } },
  });
  t.ok(recursive({ ids: [1, [2, null]] }));
  t.notOk(recursive({ ids: ['x'] }));
});

t.test('batchFilePath reads file:// URIs as the Meltano SDK does', async (t) => {
  t.equal(batchFilePath('file:///tmp/batches/a.jsonl.gz', '/work'), '/tmp/batches/a.jsonl.gz');
  t.equal(batchFilePath('file://batches/a.jsonl.gz', '/work'), join('/work', 'batches/a.jsonl.gz'), 'relative to the working directory');
  t.equal(batchFilePath('file://./a.jsonl', '/work'), '/work/a.jsonl');
  t.equal(batchFilePath('file:///tmp/with%20space/a.jsonl', '/work'), '/tmp/with space/a.jsonl', 'percent-decoded');
  t.equal(batchFilePath('file:///tmp/100%/a.jsonl', '/work'), '/tmp/100%/a.jsonl', 'a literal % survives');
  t.equal(batchFilePath('FILE:///tmp/a.jsonl', '/work'), '/tmp/a.jsonl');
  for (const notLocal of ['s3://bucket/a.jsonl', '/tmp/a.jsonl', 'file://', 42, null]) t.equal(batchFilePath(notLocal, '/work'), undefined, `${String(notLocal)} is not a local file URI`);
});

t.test('SingerSchemaCompiler: a re-sent schema with the same $id compiles again; identical schemas compile once', async (t) => {
  const compiler = new SingerSchemaCompiler();
  const first = compiler.compile({ $id: 'https://example.com/users.json', type: 'object', properties: { id: { type: 'integer' } } });
  const changed = compiler.compile({ $id: 'https://example.com/users.json', type: 'object', properties: { id: { type: 'string' } } });
  t.ok(first({ id: 1 }));
  t.notOk(changed({ id: 1 }), 'the new schema applies');
  t.ok(changed({ id: 'a' }));
  const again = compiler.compile({ $id: 'https://example.com/users.json', type: 'object', properties: { id: { type: 'string' } } });
  t.equal(again, changed, 'the same schema text is compiled once');
});
