import type { Config, StreamBinding } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { StreamKey } from '../protocol/airbyte-input.js';
import { configuredStreamKey, configuredStreamsByKey, primaryKeyPaths, type ConfiguredCatalog, type ConfiguredStream } from './configured-catalog.js';
import type { AudienceAction, AudiencePlan } from '../rules/map-audience.js';
import type { EventPlan, KeyPath } from '../rules/map-event.js';
import { AUDIENCE_OBJECT, EVENT_OBJECT } from './operations.js';
import { fieldPlan } from './plan.js';
import { describeStream, StreamKeyMap, streamLabel } from './stream-key-map.js';

export type StreamRoute = { object: 'event'; plan: EventPlan } | { object: 'audience'; plan: AudiencePlan };

const SYNC_MODE_ACTIONS: ReadonlyMap<string, AudienceAction> = new Map([
  ['append', 'include'],
  ['soft_delete', 'exclude'],
]);

/** The route built for one primary key that a stream's records carried. */
interface KeyedRoute {
  primaryKey: readonly string[];
  route: StreamRoute | undefined;
}

const NO_PRIMARY_KEY: readonly string[] = Object.freeze([]);
/** A Singer stream changes its key rarely; a stream re-keyed on every line must not grow memory. */
const MAX_KEYS_PER_STREAM = 16;

/**
 * Decides where a stream's records go: the data-activation catalog's `destination_object_name`,
 * else the config's `streams` binding. Streams are told apart by (namespace, name), never by a
 * joined string. Configuration mistakes are found here, before any record is read.
 */
export class Router {
  private readonly catalogStreams: StreamKeyMap<ConfiguredStream>;
  private readonly bindings: StreamKeyMap<StreamBinding>;
  /**
   * Routes by stream and by the primary key the record carries: a Singer record keeps the key of
   * the SCHEMA in force when it was read, however late the pipeline asks for its route.
   */
  private readonly routes = new StreamKeyMap<KeyedRoute[]>();

  /**
   * `keysFromInput`: primary keys arrive with the input (Singer SCHEMA messages), so bindings are
   * checked when their schema arrives rather than up front.
   */
  constructor(
    private readonly config: Config,
    catalog: ConfiguredCatalog | undefined,
    options: { keysFromInput?: boolean } = {},
  ) {
    this.catalogStreams = configuredStreamsByKey(catalog);
    this.bindings = bindingsByStream(config.streams);
    // Validate every configured stream up front, so a bad catalog fails before any row is read.
    for (const stream of catalog?.streams ?? []) this.route(configuredStreamKey(stream));
    if (!options.keysFromInput) for (const binding of config.streams) this.route(bindingKey(binding));
  }

  /**
   * The route of a stream's record, or undefined when the stream goes nowhere. `primaryKey`: the
   * key the record carries (Singer `key_properties`), used when neither the binding nor the
   * catalog names one.
   */
  route(key: StreamKey, primaryKey: readonly string[] = NO_PRIMARY_KEY): StreamRoute | undefined {
    let keyed = this.routes.get(key);
    if (keyed) {
      for (const entry of keyed) if (sameColumns(entry.primaryKey, primaryKey)) return entry.route;
    } else {
      this.routes.set(key, (keyed = []));
    }
    const route = this.build(key, primaryKey);
    if (keyed.length >= MAX_KEYS_PER_STREAM) keyed.shift();
    keyed.push({ primaryKey: [...primaryKey], route });
    return route;
  }

  /**
   * Forgets a stream's routes (e.g. when a Singer SCHEMA is re-sent). Routes depend only on the
   * stream, its key, the config and the catalog, so they are rebuilt the same on demand.
   */
  reset(key: StreamKey): void {
    this.routes.delete(key);
  }

  /** Every object a stream may be routed to: routed catalog streams and config bindings. */
  objects(): Set<'event' | 'audience'> {
    const objects = new Set<'event' | 'audience'>(this.config.streams.map((binding) => binding.object));
    for (const keyed of this.routes.values()) for (const { route } of keyed) if (route) objects.add(route.object);
    return objects;
  }

  private build(key: StreamKey, primaryKey: readonly string[]): StreamRoute | undefined {
    const catalogStream = this.catalogStreams.get(key);
    const binding = this.bindings.get(key) ?? this.bindings.get({ name: key.name });
    const object = objectOf(key, catalogStream, binding);
    if (!object) return undefined;
    const fields = fieldPlan(key, binding);
    if (object === 'event') {
      const keyPaths: KeyPath[] = binding?.primary_key?.map((column) => [column]) ?? (catalogStream ? primaryKeyPaths(catalogStream) : primaryKey.map((column) => [column]));
      if (binding?.client_event_id_from_primary_key && keyPaths.length === 0) {
        throw new ConfigError(
          `Stream "${streamLabel(key)}" asks for client_event_id_from_primary_key but has no primary key (set primary_key in its streams binding${catalogStream ? ', or primary_key in the catalog' : ''})`,
        );
      }
      return {
        object,
        plan: {
          ...fields,
          hashPii: this.config.hash_pii,
          idFromPrimaryKey: binding?.client_event_id_from_primary_key ? keyPaths : [],
          defaultEventType: this.config.event_type,
        },
      };
    }
    const syncMode = catalogStream?.destination_sync_mode;
    const modeAction = syncMode === undefined ? undefined : SYNC_MODE_ACTIONS.get(syncMode);
    if (catalogStream?.destination_object_name === AUDIENCE_OBJECT && !modeAction && !binding?.action) {
      throw new ConfigError(`Stream "${streamLabel(key)}" writes audiences with destination_sync_mode "${syncMode}"; audiences support append (add members) and soft_delete (remove members)`);
    }
    return {
      object,
      plan: { ...fields, hashPii: this.config.hash_pii, defaultList: binding?.audience_name ?? key.name, action: binding?.action ?? modeAction ?? 'include' },
    };
  }
}

function bindingKey(binding: StreamBinding): StreamKey {
  return binding.namespace === undefined ? { name: binding.stream } : { name: binding.stream, namespace: binding.namespace };
}

/**
 * Bindings by (namespace, name). A binding without a namespace sits under the bare name and
 * applies to that name in any namespace unless a binding names the stream's own namespace.
 * Two bindings for one stream are refused: which one should win is a guess.
 */
function bindingsByStream(bindings: readonly StreamBinding[]): StreamKeyMap<StreamBinding> {
  const byStream = new StreamKeyMap<StreamBinding>();
  const positions = new StreamKeyMap<number>();
  bindings.forEach((binding, index) => {
    const key = bindingKey(binding);
    const earlier = positions.get(key);
    if (earlier !== undefined) {
      throw new ConfigError(`config.streams binds ${describeStream(key)} twice (entries ${earlier + 1} and ${index + 1}); keep one binding per stream`);
    }
    positions.set(key, index);
    byStream.set(key, binding);
  });
  return byStream;
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

function objectOf(key: StreamKey, catalogStream: ConfiguredStream | undefined, binding: StreamBinding | undefined): 'event' | 'audience' | undefined {
  const named = catalogStream?.destination_object_name ?? undefined;
  if (named !== undefined && named !== EVENT_OBJECT && named !== AUDIENCE_OBJECT) {
    throw new ConfigError(`Stream "${streamLabel(key)}" has destination_object_name "${named}"; this destination writes "${EVENT_OBJECT}" and "${AUDIENCE_OBJECT}"`);
  }
  if (named && binding && binding.object !== named) {
    throw new ConfigError(`Stream "${streamLabel(key)}" goes to "${named}" in the catalog but to "${binding.object}" in config.streams`);
  }
  if (named === EVENT_OBJECT && catalogStream?.destination_sync_mode && catalogStream.destination_sync_mode !== 'append') {
    throw new ConfigError(`Stream "${streamLabel(key)}" writes events with destination_sync_mode "${catalogStream.destination_sync_mode}"; events support append only`);
  }
  return (named as 'event' | 'audience' | undefined) ?? binding?.object;
}
