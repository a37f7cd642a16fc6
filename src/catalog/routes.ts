import type { Config, StreamBinding } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { StreamKey } from '../protocol/airbyte-input.js';
import { configuredStreamKey, flatPrimaryKey, streamId, type ConfiguredCatalog, type ConfiguredStream } from './configured-catalog.js';
import type { AudienceAction, AudiencePlan } from './map-audience.js';
import type { EventPlan } from './map-event.js';
import { AUDIENCE_OBJECT, EVENT_OBJECT } from './operations.js';
import { fieldPlan } from './plan.js';

export type StreamRoute = { object: 'event'; plan: EventPlan } | { object: 'audience'; plan: AudiencePlan };

const SYNC_MODE_ACTIONS: Record<string, AudienceAction> = { append: 'include', soft_delete: 'exclude' };

/**
 * Decides, once per stream, where its records go: the data-activation catalog's
 * `destination_object_name`, else the config's `streams` binding. Configuration mistakes are
 * found here, before any record is read.
 */
export class Router {
  private readonly catalogStreams = new Map<string, ConfiguredStream>();
  private readonly routes = new Map<string, StreamRoute | undefined>();

  /**
   * `keysFromInput`: primary keys arrive with the input (Singer SCHEMA messages), so bindings are
   * checked when their schema arrives rather than up front.
   */
  constructor(
    private readonly config: Config,
    catalog: ConfiguredCatalog | undefined,
    options: { keysFromInput?: boolean } = {},
  ) {
    for (const stream of catalog?.streams ?? []) {
      this.catalogStreams.set(streamId(configuredStreamKey(stream)), stream);
    }
    // Validate every configured stream up front, so a bad catalog fails before any row is read.
    for (const stream of catalog?.streams ?? []) this.route(configuredStreamKey(stream));
    if (!options.keysFromInput) for (const name of Object.keys(config.streams)) this.route({ name });
  }

  /** The route of a stream, or undefined when the stream goes nowhere. */
  route(key: StreamKey, primaryKeyHint?: readonly string[]): StreamRoute | undefined {
    const id = streamId(key);
    if (this.routes.has(id)) return this.routes.get(id);
    const route = this.build(key, primaryKeyHint);
    this.routes.set(id, route);
    return route;
  }

  /** Forget a stream's route, e.g. when a Singer SCHEMA message changes its key properties. */
  reset(key: StreamKey): void {
    this.routes.delete(streamId(key));
  }

  /** Every object a stream may be routed to: routed catalog streams and config bindings. */
  objects(): Set<'event' | 'audience'> {
    const routed = [...this.routes.values()].flatMap((route) => (route ? [route.object] : []));
    return new Set([...routed, ...Object.values(this.config.streams).map((binding) => binding.object)]);
  }

  private build(key: StreamKey, primaryKeyHint: readonly string[] | undefined): StreamRoute | undefined {
    const catalogStream = this.catalogStreams.get(streamId(key));
    const binding = this.config.streams[streamId(key)] ?? this.config.streams[key.name];
    const object = objectOf(key, catalogStream, binding);
    if (!object) return undefined;
    const primaryKey = binding?.primary_key ?? (catalogStream ? flatPrimaryKey(catalogStream) : [...(primaryKeyHint ?? [])]);
    const fields = fieldPlan(key.name, binding);
    if (object === 'event') {
      if (binding?.client_event_id_from_primary_key && primaryKey.length === 0) {
        throw new ConfigError(`Stream "${streamId(key)}" asks for client_event_id_from_primary_key but has no primary key (set streams.${key.name}.primary_key)`);
      }
      return { object, plan: { ...fields, hashPii: this.config.hash_pii, idFromPrimaryKey: binding?.client_event_id_from_primary_key ? primaryKey : [] } };
    }
    const syncMode = catalogStream?.destination_sync_mode;
    const modeAction = syncMode ? SYNC_MODE_ACTIONS[syncMode] : undefined;
    if (catalogStream?.destination_object_name === AUDIENCE_OBJECT && !modeAction && !binding?.action) {
      throw new ConfigError(`Stream "${streamId(key)}" writes audiences with destination_sync_mode "${syncMode}"; audiences support append (add members) and soft_delete (remove members)`);
    }
    return {
      object,
      plan: { ...fields, hashPii: this.config.hash_pii, defaultList: binding?.audience_name ?? key.name, action: binding?.action ?? modeAction ?? 'include' },
    };
  }
}

function objectOf(key: StreamKey, catalogStream: ConfiguredStream | undefined, binding: StreamBinding | undefined): 'event' | 'audience' | undefined {
  const named = catalogStream?.destination_object_name ?? undefined;
  if (named !== undefined && named !== EVENT_OBJECT && named !== AUDIENCE_OBJECT) {
    throw new ConfigError(`Stream "${streamId(key)}" has destination_object_name "${named}"; this destination writes "${EVENT_OBJECT}" and "${AUDIENCE_OBJECT}"`);
  }
  if (named && binding && binding.object !== named) {
    throw new ConfigError(`Stream "${streamId(key)}" goes to "${named}" in the catalog but to "${binding.object}" in config.streams`);
  }
  if (named === EVENT_OBJECT && catalogStream?.destination_sync_mode && catalogStream.destination_sync_mode !== 'append') {
    throw new ConfigError(`Stream "${streamId(key)}" writes events with destination_sync_mode "${catalogStream.destination_sync_mode}"; events support append only`);
  }
  return (named as 'event' | 'audience' | undefined) ?? binding?.object;
}
