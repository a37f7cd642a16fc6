/**
 * The seam between the write engine and a Rokt API family (Event API, Custom Audience API, Event and
 * Audience API…). The engine reads input, tracks state, keeps requests in flight and reports; a
 * family says how a routed record becomes an item, how items are batched, how a batch becomes a
 * request and how Rokt's answer is read. To add a family: a folder that exports an `ApiFamily`, and
 * one line in src/families.ts.
 */
import type { Mapped } from '../catalog/plan.js';
import type { StreamRoute } from '../catalog/routes.js';
import type { Config } from '../config/schema.js';
import type { HttpClient } from '../rokt/http.js';
import type { Sender } from '../rokt/sender.js';
import type { DeliveryTarget } from './deliver.js';
import type { RecordInfo } from './records.js';

/** The Rokt objects streams are routed to (the names `discover` publishes). */
export type RoktObject = 'event' | 'audience';

/** One `discover` operation: an object written with one sync mode. */
export interface DestinationOperation {
  object_name: RoktObject;
  sync_mode: string;
  json_schema: Record<string, unknown>;
  matching_keys?: string[][];
}

/** What `check` calls for one credential set. */
export interface Probe {
  /** Names the credential set in check's message, e.g. "public_key/secret_key with account_id (Audience API v3 auth-check)". */
  credential: string;
  /** Calls Rokt without writing data: undefined when Rokt accepted, else the problem in words. */
  run: () => Promise<string | undefined>;
}

/** A batch the engine dispatches: whatever a family groups, with the items it carries. */
export interface FamilyBatch<I> {
  readonly items: I[];
}

/** What adding an item gives back: batches now ready, or a promise to wait for before adding it again. */
export type AddResult<B> = { ready: B[] } | { waitFor: Promise<void> };

/** A family's batching of mapped rows (`M`) into batches of items: per structured key, flushed when full, by age, or on demand. */
export interface ItemBatches<M, B> {
  add(mapped: M): AddResult<B>;
  takeAll(): B[];
  takeOlderThan(ageMs: number): B[];
  /** Open (unsent) batches, to know whether a waiting state has anything to flush. */
  readonly open: number;
  /** The batch's request settled (accepted, rejected, or given up). */
  settled?(batch: B): void;
}

export interface MapInput {
  record: RecordInfo;
  data: Record<string, unknown>;
  route: StreamRoute;
  /** Processing time (ms): default event times and Rokt's time window. */
  nowMs: number;
}

export interface SettledBatch<I, B extends FamilyBatch<I>> {
  batch: B;
  accepted: readonly I[];
  unverified: readonly I[];
  rejected: readonly { item: I; reason: string }[];
}

/**
 * One family writing one Rokt object for one run. `M`: a mapped row; `I`: an item of a request (one
 * row, or rows merged into one identifier); `B`: a batch of items.
 */
export interface FamilyWriter<M, I, B extends FamilyBatch<I>> {
  map(input: MapInput): Mapped<M>;
  readonly batches: ItemBatches<M, B>;
  /** The request of a ready batch: body, sending, and reading Rokt's answer. */
  target(batch: B): DeliveryTarget<I>;
  /** The input records an item carries (several when rows were merged). */
  records(item: I): readonly RecordInfo[];
  /** The rejected-records file's copy of an item Rokt refused: fields as sent, PII hashed. */
  rejectedCopy(item: I, batch: B): unknown;
  /** After a batch settled, e.g. to count audience members per list. */
  onSettled?(settled: SettledBatch<I, B>): void;
  /** End of a successful run: warnings to log. */
  finish?(): string[];
  /** Extra figures for the end-of-run summary JSON (e.g. `audience_lists`). */
  summary?(): Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the engine handles every family's types alike
export type AnyFamilyWriter = FamilyWriter<any, any, FamilyBatch<any>>;

export interface WriterContext {
  config: Config;
  object: RoktObject;
  sender: Sender;
  log: (level: 'ERROR' | 'WARN' | 'INFO', message: string) => void;
  now: () => number;
}

export interface ApiFamily {
  /** For logs and messages, e.g. "Event API". */
  readonly title: string;
  readonly objects: readonly RoktObject[];
  /** The operations `discover` publishes for an object this family writes. */
  operations(object: RoktObject): DestinationOperation[];
  /** Whether this config sends `object` through this family (its credentials are set, and not overridden). */
  handles(config: Config, object: RoktObject): boolean;
  /** A sentence for the log: which API version and credential set the object uses. */
  describe(config: Config, object: RoktObject): string;
  /** `check`: one probe per credential set this family would use. */
  probes(config: Config, http: HttpClient): Probe[];
  /** Secret forms derived from the config that could reach a log (e.g. a Basic header's base64). */
  derivedSecrets(config: Config): string[];
  /**
   * For the API-call debug log: a request or answer body (parsed JSON) with every identifier hashed,
   * even when hash_pii is off. Pure; bodies of other families pass through unchanged.
   */
  redactLoggedBody(body: unknown): unknown;
  /** How to configure this family for an object, for "no credentials" messages: "app_id and app_secret (Event API v1) or …". */
  credentialHint(object: RoktObject): string;
  writer(context: WriterContext): AnyFamilyWriter;
}
