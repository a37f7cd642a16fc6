import { stringify as losslessStringify } from 'lossless-json';
import type { SyncOutput } from '../sync/messages.js';
import { RawJson } from './json.js';
import type { Redactor } from './redact.js';
import type { LineWriter } from './writer.js';

export type StderrLevel = 'CRITICAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';

/** Human log lines on stderr: stdout is reserved for state values. */
export function stderrLogger(redactor: () => Redactor, stream: NodeJS.WritableStream = process.stderr) {
  return (level: StderrLevel, message: string): void => {
    stream.write(`${new Date().toISOString()} ${level.padEnd(8)} ${redactor().redact(message)}\n`);
  };
}

/** Singer targets print each STATE's value, alone, as one JSON line (lossless). */
export function singerSyncOutput(options: { writer: LineWriter; log: (level: StderrLevel, message: string) => void; stderr?: NodeJS.WriteStream }): SyncOutput {
  const stderr = options.stderr ?? process.stderr;
  let redrawing = false;
  // In a terminal, progress is one line redrawn in place; any other log line starts below it.
  const endProgressLine = () => {
    if (redrawing) stderr.write('\n');
    redrawing = false;
  };
  return {
    emitState: (payload) => options.writer.writeLine(payload instanceof RawJson ? payload.text : (losslessStringify(payload) ?? 'null')),
    log: async (level, message) => {
      endProgressLine();
      options.log(level, message);
    },
    progress: async (line) => {
      if (!stderr.isTTY) return options.log('INFO', line);
      stderr.write(`\r\x1b[2K${line.slice(0, (stderr.columns || 120) - 1)}`);
      redrawing = true;
    },
  };
}
