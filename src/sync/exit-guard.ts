/**
 * Never exit 0 with work pending. Pacing, pauses and retries put timers in charge of sending; a
 * timer that does not keep the process alive (an unreferenced one) lets the event loop run dry
 * while records are unsent, and Node would then exit 0 as if the run had ended. Node emits
 * 'beforeExit' exactly then (never after an explicit process.exit): while armed, the guard turns
 * that moment into an internal error, handed to `trip` so the run fails the normal way (TRACE,
 * exit code, no state beyond what Rokt acknowledged). If nothing takes the failure up and the loop
 * runs dry again, the exit code is set anyway.
 */
import { EXIT_SYSTEM_ERROR } from '../errors.js';

/** The event loop ran dry while work was pending: a bug, never a way to end a run. */
export class UnfinishedWorkError extends Error {
  override readonly name = 'UnfinishedWorkError';
}

/** The part of `process` the guard uses (a stand-in in unit tests). */
export interface ExitHost {
  on(event: 'beforeExit', listener: () => void): unknown;
  off(event: 'beforeExit', listener: () => void): unknown;
  exitCode?: number | string | undefined;
}

export interface ExitGuardOptions {
  /** What is still pending, in words ("3 requests in flight"), or undefined when nothing is. */
  pending: () => string | undefined;
  /** Fails the run with the error. */
  trip: (error: UnfinishedWorkError) => void;
  host?: ExitHost;
}

export class ExitGuard {
  private armed = false;
  private tripped = false;
  private readonly host: ExitHost;

  constructor(private readonly options: ExitGuardOptions) {
    this.host = options.host ?? process;
  }

  arm(): void {
    if (this.armed) return;
    this.armed = true;
    this.host.on('beforeExit', this.onBeforeExit);
  }

  disarm(): void {
    if (!this.armed) return;
    this.armed = false;
    this.host.off('beforeExit', this.onBeforeExit);
  }

  private readonly onBeforeExit = (): void => {
    const pending = this.options.pending();
    if (pending === undefined) return;
    this.host.exitCode = EXIT_SYSTEM_ERROR;
    if (this.tripped) return;
    this.tripped = true;
    this.options.trip(
      new UnfinishedWorkError(`Internal error: the process was about to exit with work pending (${pending}); nothing was left to wake it up. No state after the last one emitted is covered: re-run from it.`),
    );
  };
}
