import { isObject } from '../protocol/json.js';

/**
 * Names a place in the config the way the user wrote it. Validation runs on the normalized form
 * (bindings and their columns/constants as arrays); a config written in the map form
 * (`"streams": {"orders": {"columns": {"a": "b"}}}`) is named by its keys instead of array indexes:
 * `streams."orders".columns."a"`, while the array form reads `streams[0].columns[1].field`.
 */
export function describeConfigPath(path: readonly PropertyKey[], raw: unknown): string {
  if (path.length === 0) return '(top level)';
  let text = '';
  let node: unknown = raw;
  for (let index = 0; index < path.length; index += 1) {
    const segment = path[index] as PropertyKey;
    if (typeof segment === 'number') {
      if (isObject(node)) {
        // Map form: the normalized array follows Object.entries order.
        const key = Object.keys(node)[segment];
        text += `.${quoteKey(key ?? String(segment))}`;
        node = key === undefined ? undefined : node[key];
        // A map entry of columns or constants is one value: `field`/`value`/`column` add nothing.
        if (!isObject(node) && index + 1 < path.length) index += 1;
        continue;
      }
      text += `[${segment}]`;
      node = Array.isArray(node) ? node[segment] : undefined;
      continue;
    }
    const name = String(segment);
    text += text === '' ? name : `.${name}`;
    node = isObject(node) ? node[name] : undefined;
  }
  return text;
}

/** A key as written, quoted; bounded so an enormous key cannot flood a message. */
export function quoteKey(key: string): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
}

/** The value at `path` in the normalized config (undefined when absent). */
export function valueAt(config: unknown, path: readonly PropertyKey[]): unknown {
  let node = config;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isObject(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}
