import { isObject, JsonLineError, parseMessageLine } from './json.js';

export interface StreamKey {
  name: string;
  namespace?: string;
}

export type AirbyteInput =
  | { kind: 'record'; stream: StreamKey; data: Record<string, unknown>; rejection?: { reason: string } }
  /** `text`: the line as received; it is echoed from this text (see withStateMember). */
  | { kind: 'state'; text: string; state: AirbyteStateShape }
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
    if (error instanceof JsonLineError) return { kind: 'invalid', reason: error.message };
    throw error;
  }
  if (!isObject(message) || typeof message.type !== 'string') return { kind: 'invalid', reason: 'not an Airbyte message (no "type")' };
  switch (message.type) {
    case 'RECORD':
      return parseRecord(message.record);
    case 'STATE':
      return parseState(message, text);
    case 'TRACE':
      return parseTrace(message.trace);
    default:
      return { kind: 'ignored', type: message.type };
  }
}

function parseRecord(record: unknown): AirbyteInput {
  if (!isObject(record)) return { kind: 'invalid', reason: 'RECORD without a "record" object' };
  if (typeof record.stream !== 'string' || record.stream === '') return { kind: 'invalid', reason: 'RECORD without a "stream" name' };
  const stream: StreamKey = typeof record.namespace === 'string' ? { name: record.stream, namespace: record.namespace } : { name: record.stream };
  // A record of a known stream is always counted: one it cannot use is rejected, not skipped.
  if (!isObject(record.data)) return { kind: 'record', stream, data: {}, rejection: { reason: `"data" is ${describeType(record.data)}, not an object` } };
  return { kind: 'record', stream, data: record.data };
}

function describeType(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function parseState(message: Record<string, unknown>, text: string): AirbyteInput {
  const state = message.state;
  if (!isObject(state)) return { kind: 'invalid', reason: 'STATE without a "state" object' };
  if (state.type === 'STREAM') {
    const stream = isObject(state.stream) ? streamKey(state.stream.stream_descriptor) : undefined;
    if (!stream) return { kind: 'invalid', reason: 'STREAM state without stream.stream_descriptor.name' };
    return { kind: 'state', text, state: { scope: 'stream', stream } };
  }
  return { kind: 'state', text, state: { scope: 'global' } };
}

function parseTrace(trace: unknown): AirbyteInput {
  if (isObject(trace) && trace.type === 'STREAM_STATUS' && isObject(trace.stream_status)) {
    const stream = streamKey(trace.stream_status.stream_descriptor);
    const status = trace.stream_status.status;
    if (stream && typeof status === 'string') return { kind: 'stream_status', stream, status };
  }
  return { kind: 'ignored', type: 'TRACE' };
}
