// The shipped CLIs are the single-file bundles in dist/bin, run through their own #! line (as the
// Docker image and the npm bins run them). These tests run them from a folder without
// node_modules, so a dependency the bundle failed to include would show here.
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { HeapGovernor } from '../src/sync/heap-governor.js';
import { jsonl, ROOT, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, record, simConfig, startSimulator, streamState } from './helpers/sim.js';

/** dist/bin and package.json alone, as in the Docker image. */
function standaloneCopy(): { destination: string; target: string } {
  const dir = tempDir();
  mkdirSync(join(dir, 'dist'));
  cpSync(join(ROOT, 'dist/bin'), join(dir, 'dist/bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  return { destination: join(dir, 'dist/bin/destination-rokt.mjs'), target: join(dir, 'dist/bin/target-rokt.mjs') };
}

const firstLine = (path: string) => readFileSync(path, 'utf8').split('\n')[0];

t.test('both bundles and every launcher run node with the same flags', async (t) => {
  const shebang = firstLine(join(ROOT, 'dist/bin/destination-rokt.mjs'));
  t.match(shebang, /^#!\/usr\/bin\/env -S node .*--max-semi-space-size=8/);
  t.match(shebang, /--expose-gc/);
  t.equal(firstLine(join(ROOT, 'dist/bin/target-rokt.mjs')), shebang);
  t.equal(firstLine(join(ROOT, 'src/cli.ts')), shebang, 'the unbundled build carries the same line');
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  t.match(dockerfile, /ENV AIRBYTE_ENTRYPOINT="\/app\/dist\/bin\/destination-rokt\.mjs"/, 'the image runs the file, so its #! line applies');
  t.match(dockerfile, /ENTRYPOINT \["\/app\/dist\/bin\/destination-rokt\.mjs"\]/);
  t.match(readFileSync(join(ROOT, 'meltano/target-rokt-docker.sh'), 'utf8'), /--entrypoint \/app\/dist\/bin\/target-rokt\.mjs/);
  t.match(readFileSync(join(ROOT, 'dist/bin/THIRD_PARTY_LICENSES.md'), 'utf8'), /## got@[\d.]+\n\nMIT License/, 'bundled licenses ship with the bundle');
});

t.test('bundled destination: spec equals the unbundled build; a real write against the simulator', async (t) => {
  const { destination } = standaloneCopy();
  const bundled = await runCli(['spec'], '', { bin: destination, execute: true });
  const unbundled = await runCli(['spec']);
  t.equal(bundled.code, 0, bundled.stderr);
  t.same(bundled.stdout, unbundled.stdout);

  const sim = await startSimulator(t);
  const dir = tempDir();
  const catalog = { streams: [configuredStream('orders', 'event'), configuredStream('vip', 'audience')] };
  const args = ['write', '--config', writeJson(dir, 'config.json', simConfig(sim, ['v2', 'v3'])), '--catalog', writeJson(dir, 'catalog.json', catalog)];
  const events = Array.from({ length: 250 }, (_, i) => record('orders', { clientEventId: `b-${i}`, eventType: 'conversion', email: `p${i}@example.com` }));
  const members = Array.from({ length: 30 }, (_, i) => record('vip', { email: `m${i}@example.com` }));
  const input = jsonl([...events.slice(0, 120), streamState('orders', 120), ...members, ...events.slice(120), streamState('orders', 250)]);
  const result = await runCli(args, input, { bin: destination, execute: true });
  t.equal(result.code, 0, result.stderr);
  const states = ofType(assertAirbyteMessages(t, result.stdout), 'STATE');
  t.same(
    states.map((state) => state.state.destinationStats),
    [
      { recordCount: 120, rejectedRecordCount: 0 },
      { recordCount: 130, rejectedRecordCount: 0 },
    ],
    'STREAM states count their own stream',
  );
  t.equal(sim.acceptedEvents.length, 250);
  t.equal(new Set(sim.acceptedEvents.map((event) => event.clientEventId)).size, 250);
  t.equal(sim.audienceOps.reduce((sum, op) => sum + op.identifiers.length, 0), 30, 'every audience member reached Rokt');
});

t.test('bundled Singer target: --version and --about from the package.json beside it', async (t) => {
  const { target } = standaloneCopy();
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const result = await runCli(['--version'], '', { bin: target, execute: true });
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout.join('\n').trim(), `target-rokt v${version}`);
  const about = await runCli(['--about', '--format', 'json'], '', { bin: target, execute: true });
  t.equal(JSON.parse(about.stdout.join('\n')).version, version);
});

t.test('HeapGovernor: collects once the heap grew by the budget, never without a collector', async (t) => {
  let collections = 0;
  const eager = new HeapGovernor({ budgetBytes: 0, collect: () => (collections += 1) });
  eager.check();
  eager.check();
  t.equal(collections, 2, 'a zero budget collects at every check');
  const patient = new HeapGovernor({ budgetBytes: 1024 ** 4, collect: () => (collections += 1) });
  patient.check();
  t.equal(collections, 2, 'a budget not reached does not collect');
  const growing = new HeapGovernor({ budgetBytes: 1024 * 1024, collect: () => (collections += 1) });
  const held = Array.from({ length: 4 }, () => Buffer.alloc(1024 * 1024, 1));
  growing.check();
  t.equal(collections, 3, 'memory held past the budget triggers a collection');
  t.equal(growing.collections, 1);
  t.ok(held.length); // keeps the buffers referenced until after the check
  t.doesNotThrow(() => new HeapGovernor({ budgetBytes: 0, collect: undefined }).check(), 'without --expose-gc it does nothing');
});
