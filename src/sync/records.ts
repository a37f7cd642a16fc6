import type { RecordRef } from './state-tracker.js';
import type { StreamRef } from './streams.js';

/** A record on its way to Rokt: its place in the state watermark, its stream and input line. */
export interface RecordInfo {
  ref: RecordRef;
  stream: StreamRef;
  line: number;
}
