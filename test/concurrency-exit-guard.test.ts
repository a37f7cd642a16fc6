// Never exit 0 with work pending: an event loop that runs dry while records are unsent (e.g. the
// only thing left to wake the run up was an unreferenced timer) fails the run as an internal error.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { ExitGuard, UnfinishedWorkError } from '../src/sync/exit-guard.js';
import { jsonl, ROOT, runCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';
import { configuredStream, globalState, record, simConfig, startSimulator } from './helpers/sim.js';

const UNREF_TIMERS = pathToFileURL(join(ROOT, 'dist/test/helpers/unref-timers.js')).href;

class FakeHost extends EventEmitter {
  exitCode: number | string | undefined;
}

t.test('exit guard: trips only when the loop runs dry with work pending; once; the exit code is set either way', async (t) => {
  const host = new FakeHost();
  let pending: string | undefined;
  const trips: UnfinishedWorkError[] = [];
  const guard = new ExitGuard({ pending: () => pending, trip: (error) => trips.push(error), host });
  guard.arm();
  host.emit('beforeExit');
  t.same(trips, [], 'nothing pending: a normal end');
  t.equal(host.exitCode, undefined);
  pending = '2 requests in progress';
  host.emit('beforeExit');
  t.equal(trips.length, 1);
  t.match(trips[0]?.message, /Internal error: the process was about to exit with work pending \(2 requests in progress\)/);
  t.equal(host.exitCode, 1, 'exit code set in case nobody takes the failure up');
  host.emit('beforeExit');
  t.equal(trips.length, 1, 'tripped once');
  guard.disarm();
  t.equal(host.listenerCount('beforeExit'), 0, 'disarmed: no listener left');
});

t.test('the event loop running dry with a request pending (an unreferenced retry timer): TRACE system_error, exit ≠ 0, no STATE', async (t) => {
  const sim = await startSimulator(t);
  sim.addFault({ path: '/v2/events', fault: { kind: 'status', status: 429, retryAfterSeconds: 1 } });
  const dir = tempDir();
  const args = ['write', '--config', writeJson(dir, 'config.json', simConfig(sim, ['v2'])), '--catalog', writeJson(dir, 'catalog.json', { streams: [configuredStream('orders', 'event')] })];
  const input = jsonl([record('orders', { clientEventId: 'a', eventType: 'conversion' }), record('orders', { clientEventId: 'b', eventType: 'conversion' }), globalState(1)]);

  const broken = await runCli(args, input, { env: { NODE_OPTIONS: `--import=${UNREF_TIMERS}` } });
  t.not(broken.code, 0, 'never exit 0 with records unsent');
  const messages = assertAirbyteMessages(t, broken.stdout);
  t.same(ofType(messages, 'STATE'), [], 'no state: its records never reached Rokt');
  t.match(ofType(messages, 'TRACE')[0]?.trace.error, { failure_type: 'system_error', message: /about to exit with work pending/ });
  t.same(sim.acceptedEvents, [], 'only the refused attempt reached the simulator');

  // The same run with the timers as they are: the retry goes out after the Retry-After.
  const sound = await runCli(args, input);
  t.equal(sound.code, 0, sound.stderr);
  t.equal(ofType(assertAirbyteMessages(t, sound.stdout), 'STATE').length, 1);
  t.same(sim.acceptedEvents.map((event) => event.clientEventId), ['a', 'b']);
});
