/**
 * The one source of truth for the connector's configuration: this zod schema produces the
 * printed spec (`connectionSpecification`), the runtime validation and the TypeScript type.
 * Objects are not `.strict()`: a strict object prints `additionalProperties: false`, which Airbyte's
 * spec rules forbid. Unknown keys are found by unknown-keys.ts instead (a typo is an error).
 */
import { z } from 'zod';
import type { KeyShape } from './unknown-keys.js';
import { urlProblem, URL_PATTERN } from './url.js';
import { MPARTICLE_DEFAULT_URL, mparticleUrlProblem, MPARTICLE_URL_PATTERN } from './mparticle-url.js';

const apiUrl = (options: { title: string; fallback: string; order: number; description: string }) =>
  z
    .string()
    .superRefine((value, ctx) => {
      const problem = urlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default(options.fallback)
    .meta({
      title: options.title,
      description: options.description,
      order: options.order,
      examples: [options.fallback],
      // Printed for Airbyte's form, which checks it as the user types; urlProblem says why in words.
      pattern: URL_PATTERN,
      pattern_descriptor: 'https://host[:port][/path], no ?query or #fragment',
    });

const secret = (meta: Record<string, unknown>) => z.string().min(1).optional().meta({ ...meta, airbyte_secret: true });

/** A file the connector appends to; checked up front by output-paths.ts. Under Airbyte, /airbyte is writable. */
const outputPath = (meta: { title: string; description: string; order: number; example: string }) => {
  const { example, ...rest } = meta;
  return z.string().min(1).optional().meta({ ...rest, examples: [example] });
};

/** A Rokt field name that a user may set: never one of Rokt's reserved `rokt.` names. */
const fieldName = z
  .string()
  .min(1)
  .refine((name) => !/^(metadata\.)?rokt\./i.test(name), { message: "names beginning with 'rokt.' are reserved by Rokt" });

/**
 * Hand-written configs may give numbers and booleans; Airbyte's form renders one type only, so the
 * spec publishes a string (see connectionSpecification). Every value is sent to Rokt as a string.
 */
export const constantValueSchema = z
  .union([z.string(), z.number(), z.boolean()])
  .meta({ title: 'Value', description: 'The value every row of the stream gets for this field (a non-empty value in the row wins).', order: 1, examples: ['conversion', 'purchase', 'USD'] });

const columnMapping = z.object({
  column: z.string().min(1).meta({ title: 'Source column', description: 'The column name as the source sends it.', order: 0, examples: ['order_id', 'customer_email'] }),
  field: fieldName.meta({
    title: 'Rokt field',
    description: 'The Rokt field name it becomes (as `discover` publishes them, e.g. clientEventId, email, amount), or `metadata.<name>` for an event metaData entry.',
    order: 1,
    examples: ['clientEventId', 'email', 'amount', 'metadata.channel'],
  }),
});

/** A value meaning consent was given; like a constant, published as text for Airbyte's form. */
const consentValueSchema = z
  .union([z.string(), z.number(), z.boolean()])
  .meta({ title: 'Consent value', description: 'A value of the consent column that means consent was given.', examples: ['true', 'yes', 'granted', '1'] });

const constantField = z.object({
  field: fieldName.meta({ title: 'Rokt field', description: 'The Rokt field name, e.g. eventType or conversiontype.', order: 0, examples: ['eventType', 'conversiontype', 'currency'] }),
  value: constantValueSchema,
});

export const streamBindingSchema = z.object({
  stream: z.string().min(1).meta({ title: 'Stream', description: 'The source stream name, as the source sends it.', order: 0, examples: ['orders'] }),
  namespace: z
    .string()
    .min(1)
    .optional()
    .meta({ title: 'Namespace', description: 'The stream namespace (schema), when the source has several streams of the same name. Unset: the binding applies to the stream of that name in any namespace.', order: 1 }),
  object: z.enum(['event', 'audience']).meta({ title: 'Rokt object', description: 'Where the stream goes: `event` (Event API) or `audience` (Custom Audience API).', order: 2 }),
  columns: z
    .array(columnMapping)
    .default([])
    .meta({
      title: 'Column mappings',
      description:
        'Renames source columns to Rokt field names (the names `discover` publishes), e.g. order_id → clientEventId, customer_email → email. A Rokt field `metadata.<name>` sends the value as an event metaData entry. Columns already named like a Rokt field need no entry.',
      order: 3,
    }),
  constants: z
    .array(constantField)
    .default([])
    .meta({ title: 'Constants', description: 'Fixed values for every row of the stream, by Rokt field name, e.g. conversiontype = purchase. A non-empty value in the row wins over a constant.', order: 4 }),
  unmapped_columns: z
    .enum(['drop', 'custom_attributes'])
    .default('drop')
    .meta({
      title: 'Other columns',
      description: 'Columns that are neither renamed by the column mappings nor a Rokt field name: `drop` them (default: nothing leaves by accident) or send them as event custom attributes.',
      order: 5,
    }),
  client_event_id_from_primary_key: z
    .boolean()
    .default(false)
    .meta({ title: 'clientEventId from the primary key', description: 'Events: derive clientEventId from the primary key when the row has none (same row, same id), so a replayed row carries the same id.', order: 6 }),
  primary_key: z
    .array(z.string().min(1))
    .optional()
    .meta({ title: 'Primary key', description: 'Source columns forming the primary key. Defaults to the catalog primary key (Airbyte) or key_properties (Singer).', order: 7 }),
  audience_name: z
    .string()
    .min(1)
    .optional()
    .meta({ title: 'Audience name', description: 'Audiences: the list to add members to or remove them from, when the row has no `list` field. Defaults to the stream name.', order: 8 }),
  action: z
    .enum(['include', 'exclude'])
    .optional()
    .meta({
      title: 'Audience action',
      description: 'Audiences: `include` adds members, `exclude` removes them. Defaults to the Airbyte destination sync mode (append = include, soft_delete = exclude), else include.',
      order: 9,
    }),
  // Row rules (src/catalog/row-rules.ts): change-data-capture deletes and consent.
  mirror_deletes: z
    .boolean()
    .default(true)
    .meta({
      title: 'Mirror source deletes',
      description:
        'A row the source marks deleted (change data capture: `_ab_cdc_deleted_at` from Airbyte, `_sdc_deleted_at` from Singer, or the Deletion column) removes its person from the audience (`exclude`), whatever the action; on an event stream it is not sent (rejected as "deleted in the source"). Off: the deletion columns mean nothing.',
      order: 20,
    }),
  deleted_column: z
    .string()
    .min(1)
    .optional()
    .meta({
      title: 'Deletion column',
      description: 'The source column whose value marks a row deleted (any value but empty, null, false or 0: a deletion time or a flag), instead of `_ab_cdc_deleted_at` and `_sdc_deleted_at`.',
      order: 21,
      examples: ['deleted_at', 'is_deleted'],
    }),
  consent_column: z
    .string()
    .min(1)
    .optional()
    .meta({
      title: 'Consent column',
      description: 'A source column saying whether the person consented. A row whose value is not one of the Consent values (or is empty) is never sent: it is rejected as "no consent" and counted apart in the summary.',
      order: 22,
      examples: ['marketing_consent'],
    }),
  consent_values: z
    .array(consentValueSchema)
    .min(1)
    .optional()
    .meta({
      title: 'Consent values',
      description:
        'The values of the Consent column that mean consent was given, compared as text ignoring case and surrounding spaces (so true and "true", 1 and "1" are the same). Default: true, yes, granted, 1.',
      order: 23,
    }),
});

/** A secret credential of the Event and Audience API: it goes into a Basic header, so no spaces. */
const mparticleSecret = (meta: { title: string; description: string; order: number }) =>
  z
    .string()
    .min(1)
    .regex(/^\S+$/, { message: 'must not contain spaces' })
    .optional()
    .meta({ ...meta, airbyte_secret: true });

/** Rokt's Event and Audience API (mParticle's server-to-server Events API run for Rokt). */
const mparticleSettings = {
  mparticle_api_key: mparticleSecret({
    title: 'Event and Audience API key (mParticle)',
    description:
      'The key Rokt issued for its Event and Audience API (mParticle server-to-server), with the secret. When both are set, events and audiences go through this API (see `rokt_api`); `account_id` is then not needed.',
    order: 30,
  }),
  mparticle_api_secret: mparticleSecret({ title: 'Event and Audience API secret (mParticle)', description: 'The secret belonging to `mparticle_api_key`.', order: 31 }),
  mparticle_url: z
    .string()
    .superRefine((value, ctx) => {
      const problem = mparticleUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default(MPARTICLE_DEFAULT_URL)
    .meta({
      title: 'Event and Audience API URL (mParticle)',
      description: 'The base before `/v2/bulkevents`: your key’s pod (Rokt’s quick start uses `https://s2s.us2.mparticle.com`; others are s2s.mparticle.com (US1), s2s.eu1…, s2s.au1…). Any https host under mparticle.com.',
      order: 32,
      examples: [MPARTICLE_DEFAULT_URL],
      pattern: MPARTICLE_URL_PATTERN,
      pattern_descriptor: 'https://….mparticle.com[/path], no ?query or #fragment',
    }),
  mparticle_environment: z
    .enum(['production', 'development'])
    .default('production')
    .meta({
      title: 'Event and Audience API environment',
      description: 'Sent as `environment` on every batch: `production`, or `development` for test data (which Rokt is not expected to attribute).',
      order: 33,
    }),
  rokt_api: z
    .enum(['auto', 'mparticle', 'legacy'])
    .default('auto')
    .meta({
      title: 'Which Rokt API',
      description:
        '`auto` (default): the Event and Audience API when `mparticle_api_key` and `mparticle_api_secret` are set, else the legacy Event API and Audience API. `mparticle` or `legacy` forces one path for events and audiences alike.',
      order: 34,
    }),
};

/** Whether events and audiences go through the Event and Audience API (the rule `rokt_api` describes). */
export function usesMparticleApi(config: { rokt_api: 'auto' | 'mparticle' | 'legacy'; mparticle_api_key?: string; mparticle_api_secret?: string }): boolean {
  if (config.rokt_api !== 'auto') return config.rokt_api === 'mparticle';
  return Boolean(config.mparticle_api_key && config.mparticle_api_secret);
}

/** The key and secret go together; `account_id` is needed only where a legacy API is used. */
function refineMparticleSettings(
  config: { account_id?: string; rokt_api: 'auto' | 'mparticle' | 'legacy'; mparticle_api_key?: string; mparticle_api_secret?: string },
  ctx: z.RefinementCtx,
): void {
  if (config.mparticle_api_key && !config.mparticle_api_secret) ctx.addIssue({ code: 'custom', path: ['mparticle_api_secret'], message: 'is required with mparticle_api_key' });
  if (config.mparticle_api_secret && !config.mparticle_api_key) ctx.addIssue({ code: 'custom', path: ['mparticle_api_key'], message: 'is required with mparticle_api_secret' });
  if (config.account_id === undefined && !usesMparticleApi(config)) {
    ctx.addIssue({
      code: 'custom',
      path: ['account_id'],
      message:
        config.rokt_api === 'legacy'
          ? 'is required: rokt_api is "legacy", and the legacy Event and Audience APIs take your account ID'
          : 'is required for the legacy Event and Audience APIs (or set mparticle_api_key and mparticle_api_secret to use the Event and Audience API, which needs none)',
    });
  }
}

export const configSchema = z
  .object({
    account_id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^\S+$/, { message: 'must not contain spaces' })
      // Required by the superRefine below only where a legacy API is used: the Event and Audience API has no account.
      .optional()
      .meta({
        title: 'Account ID',
        description: 'Your Rokt account ID (sent as `accountId`). Required for the legacy Event API and Audience API; not used by the Event and Audience API (mParticle key and secret).',
        order: 0,
        examples: ['3067734276394312456'],
      }),
    public_key: z
      .string()
      .regex(/^rpub-\S+$/, { message: "must start with 'rpub-' and contain no spaces" })
      .optional()
      .meta({ title: 'Public key', description: 'Rokt public key (`rpub-…`): Event API v2 and Audience API v3, with the secret key.', order: 1, pattern_descriptor: 'rpub-…' }),
    secret_key: secret({ title: 'Secret key', description: 'Rokt secret key (`rsec-…`) belonging to the public key.', order: 2 }),
    app_id: secret({ title: 'App ID', description: 'Event API v1 app ID (OAuth client credentials), with the app secret. When set, events use v1.', order: 3 }),
    app_secret: secret({ title: 'App secret', description: 'Event API v1 app secret.', order: 4 }),
    api_key: secret({ title: 'Audience API key (legacy)', description: 'Legacy Custom Audience API 1.0 key. Used for audiences only when no public/secret key pair is set.', order: 5 }),
    streams: z
      .array(streamBindingSchema)
      .default([])
      .meta({
        title: 'Stream bindings',
        description:
          'Which Rokt object each source stream goes to and how its columns map. Needed wherever Airbyte’s data activation does not run: a custom Docker image in Airbyte (the platform never calls `discover` for it), plain pipes, Singer/Meltano. A stream with no binding and no `destination_object_name` fails the run (see Unrouted streams).',
        order: 6,
        // Shown with the required fields: for a custom image this is the only way to route streams.
        always_show: true,
      }),
    event_type: z
      .string()
      .min(1)
      .max(128)
      .default('conversion')
      .meta({
        title: 'Default event type',
        description:
          'The eventType of an event whose row has none (no eventType column, no constant). Rokt reserves `conversion` for conversions, which go with a `conversiontype` (e.g. purchase).',
        order: 7,
        examples: ['conversion', 'signup'],
      }),
    hash_pii: z
      .boolean()
      .default(true)
      .meta({ title: 'Hash PII', description: 'Normalize and SHA-256-hash email, mobile, first/last name and IP address before sending, as Rokt asks. Values that already are 64-hex hashes pass through.', order: 8 }),
    unrouted_streams: z
      .enum(['fail', 'reject'])
      .default('fail')
      .meta({
        title: 'Unrouted streams',
        description:
          'Records of a stream that goes nowhere (no destination_object_name, no binding): `fail` stops the run before the checkpoint moves past them (default); `reject` counts them as rejected with a warning, goes on, and lets the checkpoint move past data that was never sent.',
        order: 9,
      }),
    max_rejected_ratio: z
      .number()
      .min(0)
      .max(1)
      .default(0.9)
      .meta({
        title: 'Max rejected share',
        description:
          'A guard against a mapping mistake: when at least this share of a checkpoint window’s rows (0–1) is rejected, the run stops before that checkpoint (config_error naming the top reasons), so a fixed config can re-send the same rows. 1 turns the guard off.',
        order: 40,
      }),
    min_records_for_ratio: z
      .number()
      .int()
      .min(1)
      .default(100)
      .meta({ title: 'Rows before the rejected-share guard', description: 'The guard (max_rejected_ratio) judges a checkpoint window only from this many rows on.', order: 41 }),
    dry_run: z
      .boolean()
      .default(false)
      .meta({
        title: 'Dry run',
        description: 'Parse, validate, map, hash and batch everything, but never call Rokt: the request bodies go to the dry-run output file (or stderr) and no STATE is echoed.',
        order: 10,
      }),
    dry_run_output_path: outputPath({ title: 'Dry-run output file', description: 'Where a dry run writes the request bodies it would send, one JSON line each (default: stderr).', order: 11, example: '/airbyte/dry-run.jsonl' }),
    rejected_records_path: outputPath({ title: 'Rejected records file', description: 'Append each rejected row (PII hashed) with its reason to this JSONL file.', order: 12, example: '/airbyte/rejected.jsonl' }),
    api_url: apiUrl({ title: 'Event API URL', fallback: 'https://api.rokt.com', order: 13, description: 'Base URL of the Event API (and its OAuth token endpoint).' }),
    audience_api_url: apiUrl({ title: 'Audience API URL', fallback: 'https://data.rokt.com', order: 14, description: 'Base URL of the Custom Audience API.' }),
    batch_size: z.number().int().min(1).max(100).default(100).meta({ title: 'Event batch size', description: 'Events per request (Rokt allows at most 100).', order: 15 }),
    audience_batch_size: z
      .number()
      .int()
      .min(1)
      .max(100000)
      .default(10000)
      .meta({ title: 'Audience batch size', description: 'Identifiers per audience request.', order: 16 }),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(32)
      .meta({
        title: 'Concurrent requests',
        description: 'The most requests in flight at once, events and audiences together. In adaptive mode (concurrency_mode) the connector finds how many Rokt sustains, up to this ceiling; in fixed mode it keeps this many.',
        order: 17,
      }),
    concurrency_mode: z
      .enum(['adaptive', 'fixed'])
      .default('adaptive')
      .meta({
        title: 'Concurrency mode',
        description:
          '`adaptive` (default): start low, grow while Rokt answers as fast as when unloaded, back off on 429, 503, timeouts or rising latency, and pace requests after a rate limit, up to `concurrency`. `fixed`: always `concurrency` requests in flight. Either way a Retry-After pauses every request to that API.',
        order: 50,
      }),
    max_retries: z.number().int().min(0).max(20).default(6).meta({ title: 'Max retries', description: 'Retries of one request after a 429, 5xx, timeout or connection error.', order: 18 }),
    retry_max_seconds: z.number().min(1).max(3600).default(300).meta({ title: 'Max retry time (s)', description: 'Give up retrying one request after this long.', order: 19 }),
    retry_base_delay_ms: z
      .number()
      .int()
      .min(0)
      .max(60000)
      .default(1000)
      .meta({ title: 'First retry delay (ms)', description: 'Backoff before the first retry; doubles each retry (with jitter, at most 30 s) unless Rokt sends Retry-After.', order: 20 }),
    request_timeout_seconds: z.number().min(1).max(600).default(30).meta({ title: 'Request timeout (s)', description: 'Time allowed for one HTTP request before it is retried.', order: 21 }),
    flush_interval_seconds: z
      .number()
      .min(1)
      .max(600)
      .default(30)
      .meta({ title: 'Flush interval (s)', description: 'A partial batch is sent at the latest this long after its first row (a waiting STATE flushes at once).', order: 22 }),
    validate_records: z
      .boolean()
      .default(true)
      .meta({ title: 'Validate records (Singer)', description: 'Singer mode: validate each record against its stream’s SCHEMA message; invalid records are rejected with the reason.', order: 23 }),
    debug_log_path: outputPath({
      title: 'API-call debug log',
      description: 'Append every HTTP exchange with Rokt (time, URL, attempt, status, duration, headers with credentials redacted, bodies with identifiers hashed, which records) as one JSON line to this file.',
      order: 24,
      example: '/airbyte/rokt-debug.jsonl',
    }),
    debug_log_max_mb: z.number().min(1).max(10240).default(100).meta({ title: 'Debug log size (MB)', description: 'When the debug log reaches this size it is rotated to <path>.1.', order: 25 }),
    progress_interval_seconds: z
      .number()
      .min(1)
      .max(3600)
      .default(10)
      .meta({ title: 'Progress interval (s)', description: 'How often `write` logs a progress line (rows read, accepted, rejected, in flight, retries, rows/s, oldest waiting state).', order: 26 }),
    ...mparticleSettings,
  })
  .superRefine((config, ctx) => {
    refineMparticleSettings(config, ctx);
    if (config.public_key && !config.secret_key) ctx.addIssue({ code: 'custom', path: ['secret_key'], message: 'is required with public_key' });
    if (config.secret_key && !config.public_key) ctx.addIssue({ code: 'custom', path: ['public_key'], message: 'is required with secret_key' });
    if (config.app_id && !config.app_secret) ctx.addIssue({ code: 'custom', path: ['app_secret'], message: 'is required with app_id' });
    if (config.app_secret && !config.app_id) ctx.addIssue({ code: 'custom', path: ['app_id'], message: 'is required with app_secret' });
  });

export type Config = z.output<typeof configSchema>;

/** The settings the config and its bindings may hold, for finding unknown (and mistyped) keys. */
export const CONFIG_KEY_SHAPE: KeyShape = {
  keys: Object.keys(configSchema.shape),
  lists: {
    streams: {
      keys: Object.keys(streamBindingSchema.shape),
      lists: { columns: { keys: Object.keys(columnMapping.shape) }, constants: { keys: Object.keys(constantField.shape) } },
    },
  },
};
export type StreamBinding = z.output<typeof streamBindingSchema>;

/** The JSON Schema published as `connectionSpecification`. */
export function connectionSpecification(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    target: 'draft-7',
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => {
      // Airbyte's form renders one type per field (anyOf is refused): publish the string form.
      if (zodSchema === constantValueSchema || zodSchema === consentValueSchema) {
        delete jsonSchema.anyOf;
        jsonSchema.type = 'string';
      }
    },
  }) as Record<string, unknown>;
  return { $schema: schema.$schema, title: 'Rokt Destination Spec', ...schema };
}
