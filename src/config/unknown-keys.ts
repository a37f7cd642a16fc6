import { isObject } from '../protocol/json.js';
import { describeConfigPath, quoteKey } from './config-path.js';
import { suggestName } from './suggest.js';

/** The settings an object may hold, and where its nested objects (lists of them) are described. */
export interface KeyShape {
  keys: readonly string[];
  /** key → the shape of each element of the list of objects held there. */
  lists?: Readonly<Record<string, KeyShape>>;
}

export interface UnknownKeys {
  /** Keys that look like a known one (`dryRun`, `hash_pi`): ignoring one could turn a dry run into a real send. */
  errors: string[];
  /** Other unknown keys: ignored, and said so. */
  warnings: string[];
}

/**
 * Finds the keys of a (normalized) config that its shape does not know. `raw` is the config as
 * written, so places are named as the user wrote them (see describeConfigPath).
 */
export function findUnknownKeys(input: { normalized: unknown; raw: unknown; shape: KeyShape }): UnknownKeys {
  const found: UnknownKeys = { errors: [], warnings: [] };
  visit(input.normalized, input.shape, [], { raw: input.raw, found });
  return found;
}

function visit(node: unknown, shape: KeyShape, path: PropertyKey[], context: { raw: unknown; found: UnknownKeys }): void {
  if (!isObject(node)) return;
  for (const key of Object.keys(node)) {
    if (shape.keys.includes(key)) {
      const list = shape.lists?.[key];
      const value = node[key];
      if (list && Array.isArray(value)) value.forEach((element, index) => visit(element, list, [...path, key, index], context));
      continue;
    }
    const place = describeConfigPath([...path, key], context.raw);
    const meant = suggestName(key, shape.keys);
    if (meant !== undefined) context.found.errors.push(`${place}: unknown setting; did you mean ${quoteKey(meant)}?`);
    else context.found.warnings.push(`${place}: unknown setting, ignored`);
  }
}
