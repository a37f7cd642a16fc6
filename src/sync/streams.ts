import type { StreamKey } from '../protocol/airbyte-input.js';

/**
 * One object per stream, found by (namespace, name) structurally: stream `public.orders` and stream
 * `orders` in namespace `public` are two streams, and any name (`__proto__`, `constructor`) is
 * plain data. Everything per stream (state windows, counts) is keyed by this object.
 */
export interface StreamRef {
  readonly key: StreamKey;
  /** For people: `namespace.name`, or the name; unique within the run (see StreamRegistry). */
  readonly label: string;
}

export class StreamRegistry {
  private readonly byNamespace = new Map<string | undefined, Map<string, StreamRef>>();
  private readonly labels = new Set<string>();

  get(key: StreamKey): StreamRef {
    const namespace = key.namespace || undefined;
    let names = this.byNamespace.get(namespace);
    if (!names) this.byNamespace.set(namespace, (names = new Map()));
    let ref = names.get(key.name);
    if (!ref) {
      ref = { key: namespace === undefined ? { name: key.name } : { name: key.name, namespace }, label: this.uniqueLabel(key.name, namespace) };
      names.set(key.name, ref);
    }
    return ref;
  }

  /** Two streams never share a label, even when one's name contains the other's namespace. */
  private uniqueLabel(name: string, namespace: string | undefined): string {
    let label = namespace === undefined ? name : `${namespace}.${name}`;
    if (this.labels.has(label)) label = `${label} (namespace ${JSON.stringify(namespace ?? null)}, name ${JSON.stringify(name)})`;
    this.labels.add(label);
    return label;
  }
}
