import type { SyncMessage, SyncOutput, StateStats } from '../sync/messages.js';
import type { AirbyteOutput } from './airbyte-output.js';
import { parseAirbyteLine } from './airbyte-input.js';
import { withStateMember } from './json.js';
import type { InputLine } from './lines.js';

const LOGGED_INVALID_LINES = 20;
/** Airbyte message types a destination may see and has no use for: counted silently. */
const KNOWN_TYPES = new Set(['LOG', 'TRACE', 'CONTROL', 'SPEC', 'CATALOG', 'CONNECTION_STATUS', 'DESTINATION_CATALOG']);

export interface AirbyteInputCounts {
  invalidLines: number;
  ignored: Map<string, number>;
}

/**
 * Airbyte stdin lines → pipeline messages, a chunk at a time. Lines that are not messages are
 * reported with their number and counted, never fatal; message types a destination has no use
 * for are counted. The few log lines go through the ordered stdout writer without waiting.
 */
export async function* airbyteSyncMessages(chunks: AsyncIterable<readonly InputLine[]>, options: { output: AirbyteOutput; counts: AirbyteInputCounts }): AsyncGenerator<SyncMessage[]> {
  for await (const lines of chunks) {
    const messages: SyncMessage[] = [];
    for (const line of lines) {
      const message = toSyncMessage(line, options);
      if (message) messages.push(message);
    }
    if (messages.length > 0) yield messages;
  }
}

function toSyncMessage({ number, text, replacedInvalidUtf8 }: InputLine, { output, counts }: { output: AirbyteOutput; counts: AirbyteInputCounts }): SyncMessage | undefined {
  if (replacedInvalidUtf8) void output.log('WARN', `Input line ${number} holds bytes that are not valid UTF-8; they were replaced by U+FFFD`);
  const parsed = parseAirbyteLine(text);
  switch (parsed.kind) {
    case 'record':
      return { kind: 'record', stream: parsed.stream, data: parsed.data, line: number, ...(parsed.rejection ? { rejection: parsed.rejection } : {}) };
    case 'state':
      return { kind: 'state', stream: parsed.state.scope === 'stream' ? parsed.state.stream : undefined, payload: parsed.text, line: number };
    case 'stream_status':
      return parsed.status === 'COMPLETE' || parsed.status === 'INCOMPLETE' ? { kind: 'stream_complete', stream: parsed.stream } : undefined;
    case 'ignored': {
      const seen = (counts.ignored.get(parsed.type) ?? 0) + 1;
      counts.ignored.set(parsed.type, seen);
      if (seen === 1 && !KNOWN_TYPES.has(parsed.type)) void output.log('WARN', `Input line ${number}: unknown message type "${parsed.type}" ignored (further ones are only counted)`);
      return undefined;
    }
    case 'invalid':
      counts.invalidLines += 1;
      if (counts.invalidLines <= LOGGED_INVALID_LINES) {
        void output.log('WARN', `Input line ${number} skipped: ${parsed.reason}${counts.invalidLines === LOGGED_INVALID_LINES ? ' (further invalid lines are only counted)' : ''}`);
      }
      return undefined;
  }
}

/** STATE echo for Airbyte: the received line, byte for byte, with this window's destinationStats. */
export function airbyteSyncOutput(output: AirbyteOutput): SyncOutput {
  return {
    emitState(payload: unknown, stats: StateStats) {
      const destinationStats = JSON.stringify({ recordCount: stats.recordCount, rejectedRecordCount: stats.rejectedRecordCount });
      return output.state(withStateMember(payload as string, 'destinationStats', destinationStats));
    },
    log: (level, message) => output.log(level, message),
    progress: (line) => output.log('INFO', line),
  };
}
