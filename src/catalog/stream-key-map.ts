import type { StreamKey } from '../protocol/airbyte-input.js';

/**
 * A Map keyed by stream identity (namespace, name), held as nested Maps: a key is never a string
 * built from the two, so stream `public.orders` and stream `orders` in namespace `public` stay
 * apart, and names like `constructor` or `__proto__` are plain data.
 * No namespace and an empty one are the same (Airbyte sends either for "none").
 */
export class StreamKeyMap<V> {
  private readonly byNamespace = new Map<string | undefined, Map<string, V>>();

  get(key: StreamKey): V | undefined {
    return this.byNamespace.get(namespaceOf(key))?.get(key.name);
  }

  has(key: StreamKey): boolean {
    return this.byNamespace.get(namespaceOf(key))?.has(key.name) ?? false;
  }

  set(key: StreamKey, value: V): this {
    const namespace = namespaceOf(key);
    let byName = this.byNamespace.get(namespace);
    if (!byName) this.byNamespace.set(namespace, (byName = new Map()));
    byName.set(key.name, value);
    return this;
  }

  delete(key: StreamKey): boolean {
    return this.byNamespace.get(namespaceOf(key))?.delete(key.name) ?? false;
  }

  *values(): IterableIterator<V> {
    for (const byName of this.byNamespace.values()) yield* byName.values();
  }
}

/** The namespace of a key, with "" read as none. */
export function namespaceOf(key: StreamKey): string | undefined {
  return key.namespace === undefined || key.namespace === '' ? undefined : key.namespace;
}

/** A stream as people read it, for messages only: `namespace.name`, or `name`. Never a key. */
export function streamLabel(key: StreamKey): string {
  const namespace = namespaceOf(key);
  return namespace === undefined ? key.name : `${namespace}.${key.name}`;
}

/** A stream named so that no two streams read alike, for errors about stream identity itself. */
export function describeStream(key: StreamKey): string {
  const namespace = namespaceOf(key);
  return namespace === undefined ? `stream "${key.name}" (no namespace)` : `stream "${key.name}" in namespace "${namespace}"`;
}
