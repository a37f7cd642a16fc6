import { isLosslessNumber } from 'lossless-json';

/**
 * `value` with every LosslessNumber (a number kept exactly as written: `10.50`, `1e21`, integers
 * beyond 2^53) replaced by the nearest JS number, for code that needs plain numbers (a JSON Schema
 * validator). Copy on write: when nothing needs replacing the very same value comes back, so only
 * values that hold LosslessNumbers pay for a copy. The input is never changed.
 */
export function withApproximateNumbers<T>(value: T): T {
  return approximate(value) as T;
}

function approximate(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (isLosslessNumber(value)) return Number(value.value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      const next = approximate(item);
      if (!Object.is(next, item)) copy ??= value.slice();
      if (copy) copy[index] = next;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const object = value as Record<string, unknown>;
  for (const key in object) {
    const item = object[key];
    const next = approximate(item);
    if (!Object.is(next, item)) copy ??= { ...object };
    // defineProperty: a key named "__proto__" (valid JSON) stays a plain key.
    if (copy) Object.defineProperty(copy, key, { value: next, writable: true, enumerable: true, configurable: true });
  }
  return copy ?? value;
}
