import type { RecordInfo } from './records.js';

/** Input line numbers by stream label: which records a request carries (for the debug log). */
export function recordLines(records: readonly RecordInfo[]): Record<string, number[]> {
  const lines = new Map<string, number[]>();
  for (const record of records) {
    const numbers = lines.get(record.stream.label);
    if (numbers) numbers.push(record.line);
    else lines.set(record.stream.label, [record.line]);
  }
  return Object.fromEntries(lines);
}

