import { isObject } from '../protocol/json.js';

/**
 * `streams` is published as an array of bindings (Airbyte's form renders only objects with declared
 * properties). Hand-written and Meltano configs may still use the older map form
 * `{"orders": {"object": "event", "columns": {"a": "b"}, "constants": {"eventType": "x"}}}`; it is
 * turned into the array form before validation, so there is one shape inside.
 * Entries come from Object.entries, so names like `__proto__` or `constructor` are plain data.
 */
export interface NormalizedForm {
  config: unknown;
  /** For messages: the map key an array index came from (map form only). */
  streamNameAt?: string[];
}

export function normalizeBindingsForm(raw: unknown): NormalizedForm {
  if (!isObject(raw) || !isObject(raw.streams)) return { config: raw };
  const entries = Object.entries(raw.streams);
  const streams = entries.map(([stream, binding]) => {
    if (!isObject(binding)) return binding;
    const { columns, constants, ...rest } = binding;
    return {
      stream,
      ...rest,
      ...(columns === undefined ? {} : { columns: isObject(columns) ? Object.entries(columns).map(([column, field]) => ({ column, field })) : columns }),
      ...(constants === undefined ? {} : { constants: isObject(constants) ? Object.entries(constants).map(([field, value]) => ({ field, value })) : constants }),
    };
  });
  return { config: { ...raw, streams }, streamNameAt: entries.map(([name]) => name) };
}
