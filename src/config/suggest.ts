/**
 * "Did you mean …?" for setting names and flags. A typo of a known name must be an error, never a
 * silently ignored key: `dryRun` ignored would turn a dry run into a real send.
 */

/** Case, `_`, `-` and a leading `--` do not distinguish names a person means to be the same. */
function folded(name: string): string {
  return name.replace(/^-+/, '').toLowerCase().replace(/[-_\s]/g, '');
}

/**
 * Edit distance where swapping two neighbouring letters counts as one edit (`feild` → `field`),
 * stopping early once it exceeds `limit`.
 */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (beforePrevious[j - 2] as number) + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The known name that `input` most likely means, or undefined when it looks like none of them:
 * equal once case and separators are ignored, or within one edit (two for names of 8+ characters).
 */
export function suggestName(input: string, candidates: Iterable<string>): string | undefined {
  const wanted = folded(input);
  if (wanted === '') return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const known = folded(candidate);
    if (known === wanted) return candidate;
    const limit = Math.min(known.length, wanted.length) >= 8 ? 2 : 1;
    const distance = editDistance(wanted, known, limit);
    if (distance <= limit && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}
