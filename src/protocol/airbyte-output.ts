import type { Failure } from '../errors.js';
import { Redactor } from './redact.js';
import { LineWriter } from './writer.js';

export type LogLevel = 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

/** Prints Airbyte protocol messages, one per line, through the single stdout writer. */
export class AirbyteOutput {
  constructor(
    private readonly writer: LineWriter,
    private redactor: Redactor = Redactor.none,
  ) {}

  setRedactor(redactor: Redactor): void {
    this.redactor = redactor;
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  message(message: Record<string, unknown>): Promise<void> {
    return this.writer.writeLine(JSON.stringify(message));
  }

  log(level: LogLevel, message: string): Promise<void> {
    return this.message({ type: 'LOG', log: { level, message: this.redactor.redact(message) } });
  }

  traceError(failure: Failure, internalMessage?: string): Promise<void> {
    const error: Record<string, unknown> = { message: this.redactor.redact(failure.message), failure_type: failure.failureType };
    if (internalMessage) error.internal_message = this.redactor.redact(internalMessage);
    return this.message({ type: 'TRACE', trace: { type: 'ERROR', emitted_at: Date.now(), error } });
  }

  /** Echoes a STATE line as given (the reader keeps its text, so every number survives). */
  state(line: string): Promise<void> {
    return this.writer.writeLine(line);
  }

  flushed(): Promise<void> {
    return this.writer.flushed();
  }
}
