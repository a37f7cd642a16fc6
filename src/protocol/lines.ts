import type { Readable } from 'node:stream';
import split2 from 'split2';
import { InputError } from '../errors.js';

export interface InputLine {
  /** 1-based line number in the input, for messages that point at a line. */
  number: number;
  text: string;
  /** The line held bytes that are not UTF-8; they were replaced by U+FFFD. */
  replacedInvalidUtf8?: boolean;
}

/**
 * Rokt takes at most 1 MB per request, so a useful record is far smaller; 16 Mi characters leaves
 * room for wide rows whose extra columns are dropped, and keeps split2's buffering cheap.
 */
export const DEFAULT_MAX_LINE_CHARS = 16 * 1024 * 1024;

/** Upper bound of lines handed over at once (one stdin read holds ~100 typical rows). */
const MAX_CHUNK_LINES = 1024;

/**
 * Splits a stream into lines (LF or CRLF) with split2 and hands them over in chunks: every line
 * already split is taken in one go, so the consumer handles rows synchronously instead of paying
 * for a promise per line. Nothing is read ahead beyond split2's and the pipe's small buffers, so
 * stdin is still read only as fast as the consumer asks (the pace Rokt accepts).
 * Empty lines are skipped; a UTF-8 BOM on the first line is dropped; a line longer than
 * `maxLineChars` is an InputError naming its number, since its content (and so whether it held a
 * record) cannot be known.
 */
export async function* readLineChunks(input: Readable, options: { maxLineChars?: number; signal?: AbortSignal } = {}): AsyncGenerator<InputLine[]> {
  const maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  const lines = input.pipe(split2({ maxLength: maxLineChars }));
  input.on('error', (error) => lines.destroy(error));
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  lines.on('readable', notify);
  lines.on('error', (error: Error) => {
    failure = error;
    notify();
  });
  lines.on('close', () => {
    ended = true;
    notify();
  });
  lines.on('end', () => {
    ended = true;
    notify();
  });
  // Stopping (a signal, a fatal error) ends the iteration at once, even while stdin is idle.
  const stop = () => {
    input.unpipe(lines);
    input.pause();
    lines.destroy();
  };
  if (options.signal?.aborted) return;
  options.signal?.addEventListener('abort', stop, { once: true });
  let number = 0;
  try {
    for (;;) {
      const chunk: InputLine[] = [];
      let text: string | null = null;
      while (chunk.length < MAX_CHUNK_LINES && !lines.destroyed && (text = lines.read() as string | null) !== null) {
        number += 1;
        if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        // Blank lines carry nothing (messages start with '{', so the trim is rarely reached).
        if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) continue;
        chunk.push(text.includes('\uFFFD') ? { number, text, replacedInvalidUtf8: true } : { number, text });
      }
      if (chunk.length > 0) {
        yield chunk;
        continue;
      }
      if (options.signal?.aborted) return;
      if (failure) throw readFailure(failure, { number, maxLineChars });
      if (ended || lines.destroyed) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    // The consumer stopped early (a fatal error): stop reading too.
    if (!ended && !lines.destroyed) stop();
  }
}

function readFailure(error: Error, at: { number: number; maxLineChars: number }): InputError {
  if (error.message === 'maximum buffer reached') {
    return new InputError(`Input line ${at.number + 1} is longer than ${at.maxLineChars} characters; the run stops so that no record is lost silently`);
  }
  return new InputError(`Reading the input failed after line ${at.number}: ${error.message}`);
}
