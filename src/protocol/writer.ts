import type { Writable } from 'node:stream';

/** Waits for 'drain' or 'close' and removes both listeners either way (a slow reader must not pile them up). */
function drainedOrClosed(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/**
 * The one writer of stdout: one line per call, in call order, awaiting 'drain' when the pipe is
 * full so a slow reader slows us down instead of growing memory.
 */
export class LineWriter {
  private pending: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly stream: Writable) {
    // A reader that went away (EPIPE) must not crash the process with an unhandled error.
    stream.on('error', () => {
      this.closed = true;
    });
  }

  writeLine(line: string): Promise<void> {
    this.pending = this.pending.then(async () => {
      if (this.closed || this.stream.destroyed) return;
      if (!this.stream.write(line + '\n')) await drainedOrClosed(this.stream);
    });
    return this.pending;
  }

  /** Resolves once everything written so far has been handed to the OS. */
  flushed(): Promise<void> {
    return this.pending;
  }
}
