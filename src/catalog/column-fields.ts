import type { FieldPlan } from './plan.js';

/** Per plan: column → the lower-cased Rokt field name it becomes. A stream's columns repeat on every row. */
const fieldsByPlan = new WeakMap<FieldPlan, Map<string, string>>();
/** Enough for any real table; a stream whose rows all carry new column names must not grow memory. */
const MAX_CACHED_COLUMNS = 10_000;

/**
 * The Rokt field a column becomes, lower-cased: the binding's rename, else the column's own name.
 * The mappers recognise field names case-insensitively; this is the same rule for the row rules
 * and the identifier coverage.
 */
export function fieldNameOf(plan: FieldPlan, column: string): string {
  let fields = fieldsByPlan.get(plan);
  if (!fields) fieldsByPlan.set(plan, (fields = new Map()));
  let field = fields.get(column);
  if (field === undefined) {
    field = (plan.renames.get(column) ?? column).toLowerCase();
    if (fields.size < MAX_CACHED_COLUMNS) fields.set(column, field);
  }
  return field;
}
