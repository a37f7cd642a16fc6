/**
 * Identifier coverage, a proxy for the match rate Rokt does not report: per stream, how many of the
 * rows handed to Rokt carried each identifier Rokt can match a person on.
 */
import { columnFactsCache } from './column-fields.js';
import { isBlankValue, type FieldPlan } from './plan.js';

/** The identifiers counted, as named in the summary JSON. */
export const IDENTIFIER_KINDS = ['email', 'emailsha256', 'mobile', 'click_id', 'customer_id', 'device_id'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

/** Identifiers Rokt attributes well on their own; a stream whose rows mostly lack them matches poorly. */
const STRONG_KINDS: readonly IdentifierKind[] = ['email', 'emailsha256', 'click_id'];

/** Rokt field name (lower-cased) → the identifier it carries. */
const KIND_OF_FIELD: ReadonlyMap<string, IdentifierKind> = new Map([
  ['email', 'email'],
  ['emailsha256', 'emailsha256'],
  ['mobile', 'mobile'],
  ['mobilesha256', 'mobile'],
  ['passbackconversiontrackingid', 'click_id'],
  ['customerid', 'customer_id'],
  ['iosadvertisingid', 'device_id'],
  ['androidadvertisingid', 'device_id'],
  ['iosidfv', 'device_id'],
  ['androiduuid', 'device_id'],
]);

const BIT: Readonly<Record<IdentifierKind, number>> = Object.fromEntries(IDENTIFIER_KINDS.map((kind, index) => [kind, 1 << index])) as Record<IdentifierKind, number>;
const STRONG_MASK = STRONG_KINDS.reduce((mask, kind) => mask | BIT[kind], 0);

export type CoverageCounts = { rows: number; with_strong_identifier: number } & Record<IdentifierKind, number>;

/** Below this share of rows with a strong identifier, the end of the run warns. */
const WARN_BELOW_SHARE = 0.5;

const constantMasks = new WeakMap<FieldPlan, number>();

/** The identifiers every row of the plan gets from a constant. */
function constantMaskOf(plan: FieldPlan): number {
  let mask = constantMasks.get(plan);
  if (mask === undefined) {
    mask = 0;
    for (const [name, value] of plan.constants) {
      const kind = KIND_OF_FIELD.get(name.toLowerCase());
      if (kind && !isBlankValue(value)) mask |= BIT[kind];
    }
    constantMasks.set(plan, mask);
  }
  return mask;
}

/** The identifiers one row carries (non-blank values, under the Rokt names its binding gives). Pure. */
export function identifiersOf(data: Record<string, unknown>, plan: FieldPlan): Set<IdentifierKind> {
  const mask = maskOf(data, plan);
  return new Set(IDENTIFIER_KINDS.filter((kind) => mask & BIT[kind]));
}

/** Per plan and column: the identifier bit its field carries (0: none). */
const bitsOf = columnFactsCache((field) => {
  const kind = KIND_OF_FIELD.get(field);
  return kind ? BIT[kind] : 0;
});

function maskOf(data: Record<string, unknown>, plan: FieldPlan): number {
  let mask = constantMaskOf(plan);
  const bits = bitsOf(plan);
  for (const column in data) {
    const bit = bits.of(column);
    if (bit !== 0 && !isBlankValue(data[column])) mask |= bit;
  }
  return mask;
}

/** Counts per stream; `S` is whatever tells streams apart for the caller. */
export class IdentifierCoverage<S> {
  /** Per stream, rows per combination of identifiers (one increment a row; the counts are derived at the end). */
  private readonly byStream = new Map<S, Float64Array>();

  count(stream: S, row: { data: Record<string, unknown>; plan: FieldPlan }): void {
    let rowsByMask = this.byStream.get(stream);
    if (!rowsByMask) this.byStream.set(stream, (rowsByMask = new Float64Array(1 << IDENTIFIER_KINDS.length)));
    const mask = maskOf(row.data, row.plan);
    rowsByMask[mask] = (rowsByMask[mask] ?? 0) + 1;
  }

  *entries(): IterableIterator<[S, CoverageCounts]> {
    for (const [stream, rowsByMask] of this.byStream) yield [stream, countsOf(rowsByMask)];
  }
}

function countsOf(rowsByMask: Float64Array): CoverageCounts {
  const counts: CoverageCounts = { rows: 0, with_strong_identifier: 0, email: 0, emailsha256: 0, mobile: 0, click_id: 0, customer_id: 0, device_id: 0 };
  rowsByMask.forEach((rows, mask) => {
    counts.rows += rows;
    if (mask & STRONG_MASK) counts.with_strong_identifier += rows;
    for (const kind of IDENTIFIER_KINDS) if (mask & BIT[kind]) counts[kind] += rows;
  });
  return counts;
}

/** The end-of-run warning for a stream whose rows mostly lack a strong identifier, or undefined. */
export function coverageWarning(label: string, counts: CoverageCounts): string | undefined {
  if (counts.rows === 0 || counts.with_strong_identifier >= WARN_BELOW_SHARE * counts.rows) return undefined;
  const percent = Math.floor((100 * counts.with_strong_identifier) / counts.rows);
  return (
    `Stream "${label}": only ${counts.with_strong_identifier} of ${counts.rows} rows (${percent}%) carried a strong identifier (email, emailsha256 or a click id), ` +
    'so Rokt can match few of them to a person; map an email or click id column if the source has one (identifier_coverage in the summary counts each identifier)'
  );
}
