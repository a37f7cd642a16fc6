import type { Readable } from 'node:stream';
import type { AirbyteOutput } from '../protocol/airbyte-output.js';

/** What every command gets: parsed flags and the one protocol output. */
export interface CommandContext {
  flags: Map<string, string | true>;
  output: AirbyteOutput;
  stdin: Readable;
}

export function flagValue(flags: Map<string, string | true>, name: string): string | undefined {
  const value = flags.get(name);
  return typeof value === 'string' ? value : undefined;
}
