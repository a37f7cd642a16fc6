import { join } from 'node:path';
import t from 'tap';
import { TARGET_FLAGS } from '../src/commands/target-flags.js';
import { jsonl, ROOT, RunningCli, runCli, tempDir, writeJson } from './helpers/cli.js';
import { simConfig, startSimulator } from './helpers/sim.js';

const TARGET = join(ROOT, 'dist/src/target-cli.js');
const target = (args: string[], input = '') => runCli(args, input, { bin: TARGET });

t.test('--help and -h print the usage, listing every flag, and exit 0', async (t) => {
  for (const flag of ['--help', '-h']) {
    const result = await target([flag]);
    t.equal(result.code, 0, flag);
    const usage = result.stdout.join('\n');
    t.match(usage, /^Usage: target-rokt --config FILE/);
    for (const { flag: name } of TARGET_FLAGS) t.match(usage, `--${name}`, `${flag} lists --${name}`);
    t.match(usage, /--dry-run/);
    t.equal(result.stderr, '', 'nothing else happens');
  }
});

t.test('a flag that looks like a known one is a config error with "did you mean"; other unknown flags are a warning', async (t) => {
  const dir = tempDir();
  const config = writeJson(dir, 'c.json', { account_id: '1', api_key: 'k', streams: {} });
  for (const [typo, meant] of [
    ['--dryrun', '--dry-run'],
    ['--dry_run', '--dry-run'],
    ['--Dry-Run', '--dry-run'],
    ['--confg', '--config'],
    ['--inptu', '--input'],
  ] as const) {
    const result = await target([typo, '--config', config], jsonl([{ type: 'STATE', value: 1 }]));
    t.equal(result.code, 2, `${typo} is a config error`);
    t.match(result.stderr, new RegExp(`CRITICAL .*Unknown flag ${typo}: did you mean ${meant}\\?.*\\(config_error\\)`));
    t.same(result.stdout.filter(Boolean), [], `${typo}: nothing is run`);
  }
  const other = await target(['--version', '--verbose']);
  t.equal(other.code, 0);
  t.match(other.stdout[0], /^target-rokt v/);
  t.match(other.stderr, /WARN .*Ignored, target-rokt does not know: --verbose/);
});

t.test('--input with a missing file or a folder: a CRITICAL message naming it, exit 2 (as for config errors)', async (t) => {
  const dir = tempDir();
  const config = writeJson(dir, 'c.json', { account_id: '1', api_key: 'k', streams: {} });
  const missing = join(dir, 'no-such-messages.jsonl');
  const result = await target(['--config', config, '--input', missing]);
  t.equal(result.code, 2);
  t.match(result.stderr, new RegExp(`CRITICAL .*--input ${missing}: no such file \\(config_error\\)`));
  t.notMatch(result.stderr, /ENOENT|Unexpected error|node:internal/);
  const folder = await target(['--config', config, '--input', dir]);
  t.equal(folder.code, 2);
  t.match(folder.stderr, new RegExp(`CRITICAL .*--input ${dir}: is a folder`));
  const noValue = await target(['--config', config, '--input']);
  t.equal(noValue.code, 2);
  t.match(noValue.stderr, /--input needs a FILE/);
});

t.test('--input reads the file instead of stdin', async (t) => {
  const sim = await startSimulator(t);
  const dir = tempDir();
  const config = writeJson(dir, 'c.json', simConfig(sim, ['v2'], { streams: { s: { object: 'event', constants: { eventType: 't' } } } }));
  const input = join(dir, 'messages.jsonl');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(input, jsonl([{ type: 'SCHEMA', stream: 's', key_properties: [], schema: { properties: {} } }, { type: 'RECORD', stream: 's', record: { clientEventId: 'f1' } }, { type: 'STATE', value: 'from-file' }]));
  const result = await target(['--config', config, '--input', input]);
  t.equal(result.code, 0, result.stderr);
  t.same(result.stdout.filter(Boolean), ['"from-file"']);
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['f1']);
});

t.test('after a fatal input line, the states Rokt fully acknowledged before it still reach stdout', async (t) => {
  const sim = await startSimulator(t, { latencyMs: 200 });
  const dir = tempDir();
  const config = writeJson(dir, 'c.json', simConfig(sim, ['v2'], { streams: { s: { object: 'event', constants: { eventType: 't' } } } }));
  // A large state (SDK taps keep per-partition bookmarks) takes more than one write to a pipe.
  const bookmarks = Object.fromEntries(Array.from({ length: 20_000 }, (_, index) => [`partition_${index}`, { replication_key_value: `2024-01-01T00:00:${index}Z` }]));
  const input = jsonl([
    { type: 'SCHEMA', stream: 's', key_properties: [], schema: { properties: { clientEventId: { type: 'string' } } } },
    { type: 'RECORD', stream: 's', record: { clientEventId: 'a1' } },
    { type: 'RECORD', stream: 's', record: { clientEventId: 'a2' } },
    { type: 'STATE', value: { checkpoint: 1, bookmarks } },
    { type: 'RECORD', stream: 'never_declared', record: { clientEventId: 'x' } },
    { type: 'STATE', value: { checkpoint: 2 } },
  ]);
  const cli = new RunningCli(['--config', config], { bin: TARGET });
  cli.end(input);
  const result = await cli.result();
  t.equal(result.code, 1);
  t.match(result.stderr, /CRITICAL .*RECORD for stream "never_declared" on line 5 arrived before the stream's SCHEMA/);
  t.same(result.stdout.filter(Boolean), [JSON.stringify({ checkpoint: 1, bookmarks })], 'the acknowledged state is printed whole, the later one is not');
  t.same(sim.acceptedEvents.map((e) => e.clientEventId), ['a1', 'a2']);
});
