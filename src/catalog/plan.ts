import { isLosslessNumber, stringify as losslessStringify } from 'lossless-json';
import type { StreamBinding } from '../config/schema.js';
import type { StreamKey } from '../protocol/airbyte-input.js';

/** What a record may be rejected for: the field (never its value, which may be PII) and why. */
export interface Rejection {
  field?: string;
  reason: string;
}

export type Mapped<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export const reject = (reason: string, field?: string): { ok: false; rejection: Rejection } => ({
  ok: false,
  rejection: field === undefined ? { reason } : { field, reason },
});

/**
 * How one stream's columns become Rokt field names, compiled once per stream from its binding.
 * Data-activation streams (no binding) send every field they carry: the platform already kept
 * only the mapped ones and renamed them.
 */
export interface FieldPlan {
  stream: StreamKey;
  renames: ReadonlyMap<string, string>;
  constants: ReadonlyArray<readonly [string, unknown]>;
  /** Columns that are neither renamed nor a known field name: dropped, or sent as they are. */
  keepUnknownColumns: boolean;
}

export function fieldPlan(stream: StreamKey, binding: StreamBinding | undefined): FieldPlan {
  return {
    stream,
    renames: new Map((binding?.columns ?? []).map(({ column, field }) => [column, field])),
    constants: (binding?.constants ?? []).map(({ field, value }) => [field, value] as const),
    keepUnknownColumns: binding ? binding.unmapped_columns === 'custom_attributes' : true,
  };
}

export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

/**
 * Rokt takes string values only. Numbers go as written: the input reader keeps a number that
 * JavaScript would print differently (`10.50`, `1e21`, integers beyond 2^53) as a LosslessNumber
 * holding its text. Objects and arrays go as JSON, with such numbers inside kept digit for digit.
 */
export function toRoktString(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'object':
      if (value === null) return 'null';
      if (isLosslessNumber(value)) return value.toString();
      return losslessStringify(value) ?? '';
    default:
      return JSON.stringify(value) ?? '';
  }
}
