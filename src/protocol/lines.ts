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

/**
 * Splits a stream into lines (LF or CRLF) with split2. Iterating pulls from the stream only as
 * fast as the consumer asks, so stdin is read at the pace Rokt accepts. Empty lines are skipped;
 * a UTF-8 BOM on the first line is dropped; a line longer than `maxLineChars` is an InputError
 * naming its number, since its content (and so whether it held a record) cannot be known.
 */
export async function* readLines(input: Readable, options: { maxLineChars?: number; signal?: AbortSignal } = {}): AsyncGenerator<InputLine> {
  const maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  const lines = input.pipe(split2({ maxLength: maxLineChars }));
  input.on('error', (error) => lines.destroy(error));
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
    for await (const chunk of lines) {
      number += 1;
      let text = chunk as string;
      if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      // Blank lines carry nothing (messages start with '{', so the trim is rarely reached).
      if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) continue;
      yield text.includes('\uFFFD') ? { number, text, replacedInvalidUtf8: true } : { number, text };
    }
  } catch (error) {
    if (options.signal?.aborted) return;
    if ((error as Error).message === 'maximum buffer reached') {
      throw new InputError(`Input line ${number + 1} is longer than ${maxLineChars} characters; the run stops so that no record is lost silently`);
    }
    throw new InputError(`Reading the input failed after line ${number}: ${(error as Error).message}`);
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}
