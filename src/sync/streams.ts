import { namespaceOf, StreamKeyMap, streamLabel } from '../catalog/stream-key-map.js';
import type { StreamKey } from '../protocol/airbyte-input.js';

/**
 * One object per stream (namespace, name): everything per stream (state windows, counts) is keyed
 * by it, never by a string built from the names.
 */
export interface StreamRef {
  readonly key: StreamKey;
  /** For people: `namespace.name`, or the name; unique within the run (see StreamRegistry). */
  readonly label: string;
}

export class StreamRegistry {
  private readonly refs = new StreamKeyMap<StreamRef>();
  private readonly labels = new Set<string>();

  get(key: StreamKey): StreamRef {
    let ref = this.refs.get(key);
    if (!ref) {
      const namespace = namespaceOf(key);
      ref = { key: namespace === undefined ? { name: key.name } : { name: key.name, namespace }, label: this.uniqueLabel(key) };
      this.refs.set(key, ref);
    }
    return ref;
  }

  /** Two streams never share a label, even when one's name contains the other's namespace. */
  private uniqueLabel(key: StreamKey): string {
    let label = streamLabel(key);
    if (this.labels.has(label)) label = `${label} (namespace ${JSON.stringify(namespaceOf(key) ?? null)}, name ${JSON.stringify(key.name)})`;
    this.labels.add(label);
    return label;
  }
}
