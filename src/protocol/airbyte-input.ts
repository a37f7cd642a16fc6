import { isObject, parseMessageLine } from './json.js';

export interface StreamKey {
  name: string;
  namespace?: string;
}

export type AirbyteInput =
  | { kind: 'record'; stream: StreamKey; data: Record<string, unknown> }
  | { kind: 'state'; message: Record<string, unknown>; state: AirbyteStateShape }
  | { kind: 'stream_status'; stream: StreamKey; status: string }
  | { kind: 'ignored'; type: string }
  | { kind: 'invalid'; reason: string };

/** The parts of a STATE message the connector looks at; everything else is carried untouched. */
export interface AirbyteStateShape {
  /** STREAM states name their stream; GLOBAL and LEGACY (or missing type) cover all streams. */
  scope: 'stream' | 'global';
  stream?: StreamKey;
}

function streamKey(value: unknown): StreamKey | undefined {
  if (!isObject(value) || typeof value.name !== 'string') return undefined;
  return typeof value.namespace === 'string' ? { name: value.name, namespace: value.namespace } : { name: value.name };
}

/** Parses one stdin line into what the write pipeline needs. Never throws. */
export function parseAirbyteLine(text: string): AirbyteInput {
  let message: unknown;
  try {
    message = parseMessageLine(text, (parsed) => parsed.type === 'STATE');
  } catch (error) {
    return { kind: 'invalid', reason: `not valid JSON (${(error as Error).message})` };
  }
  if (!isObject(message) || typeof message.type !== 'string') return { kind: 'invalid', reason: 'not an Airbyte message (no "type")' };
  switch (message.type) {
    case 'RECORD':
      return parseRecord(message.record);
    case 'STATE':
      return parseState(message);
    case 'TRACE':
      return parseTrace(message.trace);
    default:
      return { kind: 'ignored', type: message.type };
  }
}

function parseRecord(record: unknown): AirbyteInput {
  if (!isObject(record)) return { kind: 'invalid', reason: 'RECORD without a "record" object' };
  if (typeof record.stream !== 'string' || record.stream === '') return { kind: 'invalid', reason: 'RECORD without a "stream" name' };
  if (!isObject(record.data)) return { kind: 'invalid', reason: `RECORD of stream "${record.stream}" whose "data" is not an object` };
  const stream: StreamKey = typeof record.namespace === 'string' ? { name: record.stream, namespace: record.namespace } : { name: record.stream };
  return { kind: 'record', stream, data: record.data };
}

function parseState(message: Record<string, unknown>): AirbyteInput {
  const state = message.state;
  if (!isObject(state)) return { kind: 'invalid', reason: 'STATE without a "state" object' };
  if (state.type === 'STREAM') {
    const stream = isObject(state.stream) ? streamKey(state.stream.stream_descriptor) : undefined;
    if (!stream) return { kind: 'invalid', reason: 'STREAM state without stream.stream_descriptor.name' };
    return { kind: 'state', message, state: { scope: 'stream', stream } };
  }
  return { kind: 'state', message, state: { scope: 'global' } };
}

function parseTrace(trace: unknown): AirbyteInput {
  if (isObject(trace) && trace.type === 'STREAM_STATUS' && isObject(trace.stream_status)) {
    const stream = streamKey(trace.stream_status.stream_descriptor);
    const status = trace.stream_status.status;
    if (stream && typeof status === 'string') return { kind: 'stream_status', stream, status };
  }
  return { kind: 'ignored', type: 'TRACE' };
}
