import type { FieldPlan } from './plan.js';

/** Enough for any real table; a stream whose rows all carry new column names must not grow memory. */
const MAX_CACHED_COLUMNS = 10_000;

/**
 * The Rokt field a column becomes, lower-cased: the binding's rename, else the column's own name.
 * The mappers recognise field names case-insensitively; this is the same rule for the row rules
 * and the identifier coverage.
 */
function fieldNameOf(plan: FieldPlan, column: string): string {
  return (plan.renames.get(column) ?? column).toLowerCase();
}

/** Per column of one plan, what `derive` makes of its field name, memoized (a stream's columns repeat on every row). */
export class ColumnFacts<T> {
  private readonly facts = new Map<string, T>();

  constructor(
    private readonly plan: FieldPlan,
    private readonly derive: (field: string) => T,
  ) {}

  of(column: string): T {
    let fact = this.facts.get(column);
    if (fact === undefined) {
      fact = this.derive(fieldNameOf(this.plan, column));
      if (this.facts.size < MAX_CACHED_COLUMNS) this.facts.set(column, fact);
    }
    return fact;
  }
}

/** One ColumnFacts per plan for one purpose: look it up once per row, then ask it per column. */
export function columnFactsCache<T>(derive: (field: string) => T): (plan: FieldPlan) => ColumnFacts<T> {
  const byPlan = new WeakMap<FieldPlan, ColumnFacts<T>>();
  return (plan) => {
    let facts = byPlan.get(plan);
    if (!facts) byPlan.set(plan, (facts = new ColumnFacts(plan, derive)));
    return facts;
  };
}
