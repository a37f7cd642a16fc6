import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { jsonl, ROOT, runCli, tempDir, writeJson } from './helpers/cli.js';
import { simConfig, startSimulator } from './helpers/sim.js';

const TARGET = join(ROOT, 'dist/src/target-cli.js');
const target = (args: string[], input = '') => runCli(args, input, { bin: TARGET });
const bound = { s: { object: 'event', constants: { eventType: 't' }, unmapped_columns: 'custom_attributes' } };
const objectData = (event: unknown) => Object.fromEntries((event as { objectData: { name: string; value: string }[] }).objectData.map((entry) => [entry.name, entry.value]));

/** The target run with `cwd` as its working directory (BATCH paths are relative to it). */
async function targetIn(cwd: string, args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [TARGET, ...args], { cwd, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(input);
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

t.test('big integers in a SCHEMA (pipelinewise BIGINT bounds) and in integer columns are valid; values keep every digit', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = writeJson(dir, 'c.json', simConfig(sim, ['v2'], { streams: bound }));
  const text =
    '{"type":"SCHEMA","stream":"s","key_properties":["id"],"schema":{"type":"object","properties":{' +
    '"id":{"type":["integer"],"maximum":9223372036854775807,"minimum":-9223372036854775808},' +
    '"price":{"type":["null","number"],"multipleOf":0.01},"clientEventId":{"type":"string"}}}}\n' +
    '{"type":"RECORD","stream":"s","record":{"clientEventId":"e1","id":9223372036854775807,"price":10.50}}\n' +
    '{"type":"RECORD","stream":"s","record":{"clientEventId":"e2","id":-9223372036854775808,"price":1.15}}\n' +
    '{"type":"RECORD","stream":"s","record":{"clientEventId":"e3","id":12345678901234567890123,"price":1}}\n' +
    '{"type":"STATE","value":{"bookmarks":{"s":{"replication_key_value":9223372036854775807}}}}\n';
  const result = await target(['--config', config], text);
  t.equal(result.code, 0, result.stderr);
  t.same(result.stdout.filter(Boolean), ['{"bookmarks":{"s":{"replication_key_value":9223372036854775807}}}']);
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['e1', 'e2']);
  t.match(objectData(sim.acceptedEvents[0]?.event), { id: '9223372036854775807', price: '10.50' }, 'sent as written');
  t.match(objectData(sim.acceptedEvents[1]?.event), { id: '-9223372036854775808', price: '1.15' });
  t.match(result.stderr, /Rejected stream "s" line 4 field id: does not match the stream's schema: id must be <= 9223372036854776000/, 'the bound still applies (compared as the nearest JS number)');
  t.notMatch(result.stderr, /maximum must be number|CRITICAL/);
});

t.test('every RECORD line is counted: a non-object record is rejected with a reason, a RECORD without a stream is an invalid line', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = writeJson(dir, 'c.json', simConfig(sim, ['v2'], { streams: bound }));
  const input = jsonl([
    { type: 'SCHEMA', stream: 's', key_properties: ['clientEventId'], schema: { properties: { clientEventId: { type: 'string' } } } },
    { type: 'RECORD', stream: 's', record: 'not an object' },
    { type: 'RECORD', stream: 's', record: [1, 2] },
    { type: 'RECORD', stream: 's' },
    { type: 'RECORD', record: { clientEventId: 'orphan' } },
    { type: 'RECORD', stream: 's', record: { clientEventId: 'ok1' } },
    { type: 'STATE', value: { done: 1 } },
  ]);
  const result = await target(['--config', config], input);
  t.equal(result.code, 0, result.stderr);
  t.same(result.stdout.filter(Boolean), ['{"done":1}']);
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['ok1']);
  for (const line of [2, 3, 4]) t.match(result.stderr, new RegExp(`Rejected stream "s" line ${line}: record is not a JSON object`));
  t.match(result.stderr, /Input line 5 skipped: RECORD without a "stream"/);
  t.match(result.stderr, /Sync summary: 4 records received, 1 accepted by Rokt, 3 rejected/);
  t.match(result.stderr, /"invalid_lines":1|invalidLines":1|1 invalid line/, 'the line without a stream is counted');
});

t.test('reader errors say where and why, never the input bytes (which may hold PII)', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = writeJson(dir, 'c.json', simConfig(sim, ['v2'], { streams: bound }));
  const schema = jsonl([{ type: 'SCHEMA', stream: 's', key_properties: [], schema: { properties: {} } }]);
  const bad = '{"type":"RECORD","stream":"s","record":{"email":"private.person@example.com",}}\n';
  const result = await target(['--config', config], schema + bad + jsonl([{ type: 'STATE', value: 1 }]));
  t.equal(result.code, 0, result.stderr);
  t.match(result.stderr, /Input line 2 skipped: invalid JSON at column \d+/);
  t.notOk(result.stderr.includes('private.person'), 'no input bytes in the log');
  const oddType = await target(['--config', config], schema + '{"type":"private.person@example.com is here"}\n{"type":"CUSTOM_EVENT"}\n');
  t.equal(oddType.code, 0, oddType.stderr);
  t.match(oddType.stderr, /Messages of type \(a string that is not shown\) are not Singer messages/);
  t.match(oddType.stderr, /Messages of type "CUSTOM_EVENT" are not Singer messages/);
  t.notOk(oddType.stderr.includes('private.person'), 'an odd message type is not quoted either');

  const batchFile = join(dir, 'bad.jsonl');
  writeFileSync(batchFile, '{"clientEventId":"b1"}\n{"email":"private.person@example.com" "x":1}\n');
  const batch = jsonl([{ type: 'BATCH', stream: 's', encoding: { format: 'jsonl', compression: 'none' }, manifest: [`file://${batchFile}`] }]);
  const fatal = await target(['--config', config], schema + batch);
  t.equal(fatal.code, 1);
  t.match(fatal.stderr, new RegExp(`CRITICAL .*BATCH file ${batchFile} line 2: invalid JSON at column \\d+`));
  t.notOk(fatal.stderr.includes('private.person'), 'no batch file bytes in the log');
});

t.test('BATCH manifests with relative file:// URIs are read relative to the working directory, as the Meltano SDK does', async (t) => {
  const sim = await startSimulator(t);
  const cwd = tempDir();
  mkdirSync(join(cwd, 'batches'));
  writeFileSync(join(cwd, 'batches', 'batch.1.jsonl.gz'), gzipSync('{"clientEventId":"r1"}\n{"clientEventId":"r2"}\n'));
  writeFileSync(join(cwd, 'batches', 'batch 2.jsonl'), '{"clientEventId":"r3"}\n');
  const config = writeJson(cwd, 'c.json', simConfig(sim, ['v2'], { streams: bound }));
  const schema = { type: 'SCHEMA', stream: 's', key_properties: [], schema: { properties: { clientEventId: { type: 'string' } } } };
  const input = jsonl([
    schema,
    { type: 'BATCH', stream: 's', encoding: { format: 'jsonl', compression: 'gzip' }, manifest: ['file://batches/batch.1.jsonl.gz'] },
    { type: 'BATCH', stream: 's', encoding: { format: 'jsonl', compression: 'none' }, manifest: ['file://./batches/batch%202.jsonl'] },
    { type: 'STATE', value: 'after-batches' },
  ]);
  const result = await targetIn(cwd, ['--config', 'c.json'], input);
  t.equal(result.code, 0, result.stderr);
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['r1', 'r2', 'r3']);
  t.equal(result.stdout, '"after-batches"\n');

  const missing = await targetIn(cwd, ['--config', 'c.json'], jsonl([schema, { type: 'BATCH', stream: 's', encoding: { format: 'jsonl' }, manifest: ['file://batches/gone.jsonl'] }]));
  t.equal(missing.code, 1);
  t.match(missing.stderr, new RegExp(`CRITICAL .*BATCH on line 2: the batch file ${join(cwd, 'batches', 'gone.jsonl')} does not exist \\(system_error\\)`));
  t.notMatch(missing.stderr, /Unexpected error|ENOENT|at .*\.js:\d+/, 'a clear message, not a Node error with a stack');

  const remote = await targetIn(cwd, ['--config', 'c.json'], jsonl([schema, { type: 'BATCH', stream: 's', encoding: { format: 'jsonl' }, manifest: ['s3://bucket/secret-path/b.jsonl'] }]));
  t.equal(remote.code, 1);
  t.match(remote.stderr, /BATCH on line 2: manifest entry 1 is not a local file:\/\/ URI/);
});

t.test('NUMERIC columns as pipelinewise tap-postgres describes them (draft-04 exclusive bounds, multipleOf) validate as intended', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = writeJson(dir, 'c.json', simConfig(sim, ['v2'], { streams: bound }));
  // The shape of tap_postgres/discovery_utils.py for numeric(10,2).
  const price = { type: ['null', 'number'], exclusiveMaximum: true, maximum: 100000000, exclusiveMinimum: true, minimum: -100000000, multipleOf: 0.01 };
  const records = [1.15, 0.07, 19.99, null, 0.015, 100000000].map((value, index) => ({ type: 'RECORD', stream: 's', record: { clientEventId: `p${index}`, price: value } }));
  const input = jsonl([{ type: 'SCHEMA', stream: 's', key_properties: [], schema: { type: 'object', properties: { clientEventId: { type: 'string' }, price } } }, ...records]);
  const result = await target(['--config', config], input);
  t.equal(result.code, 0, result.stderr);
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['p0', 'p1', 'p2', 'p3'], 'two-decimal prices pass despite binary floating point');
  t.match(result.stderr, /Rejected stream "s" line 6 field price: does not match the stream's schema: price must be multiple of 0.01/);
  t.match(result.stderr, /Rejected stream "s" line 7 field price: does not match the stream's schema: price must be < 100000000/);
});
