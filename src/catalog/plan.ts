import { isLosslessNumber, stringify as losslessStringify } from 'lossless-json';
import type { StreamBinding } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { StreamKey } from '../protocol/airbyte-input.js';
import { streamLabel } from './stream-key-map.js';

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
  /** The binding's rules for whole rows (deletes, consent), applied before mapping. Unset: none. */
  rowRules?: RowRulesPlan;
}

/** What src/catalog/row-rules.ts checks on each row, compiled from the binding. */
export interface RowRulesPlan {
  /** Source columns whose value marks the row deleted in the source. Empty: deletes are not mirrored. */
  deletedColumns: readonly string[];
  /** The consent column and the texts (see consentText) that mean consent was given. Unset: no consent rule. */
  consent?: { column: string; values: ReadonlySet<string> };
}

/** Change-data-capture deletion markers: Airbyte's CDC sources and Singer's log-based taps. */
export const CDC_DELETED_COLUMNS: readonly string[] = ['_ab_cdc_deleted_at', '_sdc_deleted_at'];
export const DEFAULT_CONSENT_VALUES: readonly (string | number | boolean)[] = [true, 'true', 'yes', 'granted', '1', 1];

/** A consent value as compared: its text, trimmed and lower-cased (`true` and `"True "` are the same). */
export function consentText(value: unknown): string {
  return toRoktString(value).trim().toLowerCase();
}

export function fieldPlan(stream: StreamKey, binding: StreamBinding | undefined): FieldPlan {
  return {
    stream,
    renames: new Map((binding?.columns ?? []).map(({ column, field }) => [column, field])),
    constants: (binding?.constants ?? []).map(({ field, value }) => [field, value] as const),
    keepUnknownColumns: binding ? binding.unmapped_columns === 'custom_attributes' : true,
    rowRules: rowRulesPlan(stream, binding),
  };
}

/** Streams without a binding (data activation) mirror the CDC deletes too; consent needs a binding. */
function rowRulesPlan(stream: StreamKey, binding: StreamBinding | undefined): RowRulesPlan {
  const label = `Stream "${streamLabel(stream)}"`;
  if (binding?.mirror_deletes === false && binding.deleted_column !== undefined) {
    throw new ConfigError(`${label} sets deleted_column but turns mirror_deletes off; remove one of them`);
  }
  if (binding?.consent_values !== undefined && binding.consent_column === undefined) {
    throw new ConfigError(`${label} sets consent_values without consent_column; name the column that holds the consent`);
  }
  const deletedColumns = binding?.mirror_deletes === false ? [] : binding?.deleted_column !== undefined ? [binding.deleted_column] : CDC_DELETED_COLUMNS;
  if (binding?.consent_column === undefined) return { deletedColumns };
  const values = new Set((binding.consent_values ?? DEFAULT_CONSENT_VALUES).map(consentText));
  return { deletedColumns, consent: { column: binding.consent_column, values } };
}

export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

/** Empty, or text of spaces only: no value a row can be said to carry. */
export function isBlankValue(value: unknown): boolean {
  return isEmptyValue(value) || (typeof value === 'string' && value.trim() === '');
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
