import type { StreamKey } from '../protocol/airbyte-input.js';

/** What the write pipeline consumes, whichever protocol (Airbyte or Singer) it came from. */
export type SyncMessage =
  | {
      kind: 'record';
      stream: StreamKey;
      data: Record<string, unknown>;
      line: number;
      primaryKey?: readonly string[];
      /** Set when the reader already knows the record cannot be sent (e.g. it fails its Singer schema). */
      rejection?: { field?: string; reason: string };
    }
  /** `stream` set: a per-stream state (covers that stream); unset: covers every stream. */
  | { kind: 'state'; stream?: StreamKey; payload: unknown; line: number }
  /** The source finished a stream: a good moment to flush. */
  | { kind: 'stream_complete'; stream: StreamKey };

export interface StateStats {
  recordCount: number;
  rejectedRecordCount: number;
}

/** Where the pipeline's results go: protocol-specific (Airbyte STATE messages, Singer state lines). */
export interface SyncOutput {
  emitState(payload: unknown, stats: StateStats): Promise<void>;
  log(level: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG', message: string): Promise<void>;
  /** A periodic progress line (a LOG line, or one line redrawn in a terminal). */
  progress(line: string): Promise<void>;
}
