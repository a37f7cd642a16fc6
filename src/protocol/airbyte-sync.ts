import type { SyncMessage, SyncOutput, StateStats } from '../sync/messages.js';
import type { AirbyteOutput } from './airbyte-output.js';
import { parseAirbyteLine } from './airbyte-input.js';
import type { InputLine } from './lines.js';

const LOGGED_INVALID_LINES = 20;
/** Airbyte message types a destination may see and has no use for: counted silently. */
const KNOWN_TYPES = new Set(['LOG', 'TRACE', 'CONTROL', 'SPEC', 'CATALOG', 'CONNECTION_STATUS', 'DESTINATION_CATALOG']);

/**
 * Airbyte stdin lines → pipeline messages. Lines that are not messages are reported with their
 * number and counted, never fatal; message types a destination has no use for are counted.
 */
export async function* airbyteSyncMessages(
  lines: AsyncIterable<InputLine>,
  options: { output: AirbyteOutput; counts: { invalidLines: number; ignored: Map<string, number> } },
): AsyncGenerator<SyncMessage> {
  const { output, counts } = options;
  for await (const { number, text, replacedInvalidUtf8 } of lines) {
    if (replacedInvalidUtf8) await output.log('WARN', `Input line ${number} holds bytes that are not valid UTF-8; they were replaced by U+FFFD`);
    const parsed = parseAirbyteLine(text);
    switch (parsed.kind) {
      case 'record':
        yield { kind: 'record', stream: parsed.stream, data: parsed.data, line: number };
        break;
      case 'state':
        yield { kind: 'state', stream: parsed.state.scope === 'stream' ? parsed.state.stream : undefined, payload: parsed.message, line: number };
        break;
      case 'stream_status':
        if (parsed.status === 'COMPLETE' || parsed.status === 'INCOMPLETE') yield { kind: 'stream_complete', stream: parsed.stream };
        break;
      case 'ignored': {
        const seen = (counts.ignored.get(parsed.type) ?? 0) + 1;
        counts.ignored.set(parsed.type, seen);
        if (seen === 1 && !KNOWN_TYPES.has(parsed.type)) await output.log('WARN', `Input line ${number}: unknown message type "${parsed.type}" ignored (further ones are only counted)`);
        break;
      }
      case 'invalid':
        counts.invalidLines += 1;
        if (counts.invalidLines <= LOGGED_INVALID_LINES) {
          await output.log('WARN', `Input line ${number} skipped: ${parsed.reason}${counts.invalidLines === LOGGED_INVALID_LINES ? ' (further invalid lines are only counted)' : ''}`);
        }
        break;
    }
  }
}

/** STATE echo for Airbyte: the received message, lossless, with this window's destinationStats. */
export function airbyteSyncOutput(output: AirbyteOutput): SyncOutput {
  return {
    emitState(payload: unknown, stats: StateStats) {
      const message = payload as { state: Record<string, unknown> };
      message.state.destinationStats = { recordCount: stats.recordCount, rejectedRecordCount: stats.rejectedRecordCount };
      return output.state(message);
    },
    log: (level, message) => output.log(level, message),
    progress: (line) => output.log('INFO', line),
  };
}
