import type { StreamBinding } from '../config/schema.js';

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
  stream: string;
  renames: ReadonlyMap<string, string>;
  constants: ReadonlyArray<readonly [string, unknown]>;
  /** Columns that are neither renamed nor a known field name: dropped, or sent as they are. */
  keepUnknownColumns: boolean;
}

export function fieldPlan(stream: string, binding: StreamBinding | undefined): FieldPlan {
  return {
    stream,
    renames: new Map(Object.entries(binding?.columns ?? {})),
    constants: Object.entries(binding?.constants ?? {}),
    keepUnknownColumns: binding ? binding.unmapped_columns === 'custom_attributes' : true,
  };
}

export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

/**
 * Applies a FieldPlan: constants first, then the row's non-empty values under their Rokt names.
 * `isKnown` says whether a destination name is one the object understands.
 */
export function collectFields(data: Record<string, unknown>, plan: FieldPlan, isKnown: (name: string) => boolean): Map<string, unknown> {
  const fields = new Map<string, unknown>(plan.constants);
  for (const column in data) {
    const value = data[column];
    if (isEmptyValue(value)) continue;
    const renamed = plan.renames.get(column);
    if (renamed === undefined && !plan.keepUnknownColumns && !isKnown(column)) continue;
    fields.set(renamed ?? column, value);
  }
  return fields;
}

/** Rokt takes string values only: numbers as written, objects and arrays as JSON. */
export function toRoktString(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      return JSON.stringify(value);
  }
}
