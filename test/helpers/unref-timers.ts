// Preloaded (`node --import`) into a connector under test to reproduce a class of bug: every timer
// made unreferenced, as a pacing or retry timer written carelessly would be. Such a timer does not
// keep the process alive, so the event loop can run dry while work is pending.
import { syncBuiltinESMExports } from 'node:module';
import timers from 'node:timers';
import timersPromises from 'node:timers/promises';

const originalSetTimeout = globalThis.setTimeout;
const unrefSetTimeout = ((...args: Parameters<typeof setTimeout>) => originalSetTimeout(...args).unref()) as typeof setTimeout;
globalThis.setTimeout = unrefSetTimeout;
timers.setTimeout = unrefSetTimeout;
const originalSleep = timersPromises.setTimeout;
timersPromises.setTimeout = ((delay?: number, value?: unknown, options: { ref?: boolean; signal?: AbortSignal } = {}) =>
  originalSleep(delay, value, { ...options, ref: false })) as typeof timersPromises.setTimeout;
syncBuiltinESMExports();
