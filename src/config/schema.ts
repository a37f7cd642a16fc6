/**
 * The one source of truth for the connector's configuration: this zod schema produces the
 * printed spec (`connectionSpecification`), the runtime validation and the TypeScript type.
 */
import { z } from 'zod';

/** https anywhere, plain http only to a loopback host (local testing and the simulator). */
const URL_PATTERN = '^(https://[^\\s/]+|http://(127\\.[0-9.]+|localhost|\\[::1\\])(:[0-9]+)?)(/\\S*)?$';

const apiUrl = (title: string, fallback: string, order: number, description: string) =>
  z
    .string()
    .regex(new RegExp(URL_PATTERN), { message: 'must be an https:// URL (plain http is allowed only for 127.0.0.1, localhost or [::1])' })
    .refine((value) => URL.canParse(value), { message: 'is not a valid URL' })
    .default(fallback)
    .meta({ title, description, order, examples: [fallback] });

const secret = (meta: Record<string, unknown>) => z.string().min(1).optional().meta({ ...meta, airbyte_secret: true });

/** A Rokt field name that a user may set: never one of Rokt's reserved `rokt.` names. */
const fieldName = z
  .string()
  .min(1)
  .refine((name) => !/^(metadata\.)?rokt\./i.test(name), { message: "names beginning with 'rokt.' are reserved by Rokt" });

const constantValue = z.union([z.string(), z.number(), z.boolean()]);

export const streamBindingSchema = z
  .object({
    object: z.enum(['event', 'audience']).meta({ description: 'Which Rokt object the stream writes: `event` (Event API) or `audience` (Custom Audience API).' }),
    columns: z
      .record(z.string(), fieldName)
      .default({})
      .meta({
        description:
          'Renames source columns to Rokt field names (the names `discover` publishes), e.g. {"order_id": "clientEventId", "customer_email": "email"}. A destination name `metadata.<name>` sends the value as an event metaData entry. Columns whose name already is a Rokt field name need no entry.',
      }),
    constants: z
      .record(fieldName, constantValue)
      .default({})
      .meta({ description: 'Fixed values for every row of the stream, by Rokt field name, e.g. {"eventType": "conversion", "conversiontype": "purchase"}. A value in the row wins over a constant.' }),
    unmapped_columns: z
      .enum(['drop', 'custom_attributes'])
      .default('drop')
      .meta({
        description:
          'What happens to columns that are neither renamed by `columns` nor a Rokt field name: `drop` them (default: nothing leaves by accident) or send them as event custom attributes.',
      }),
    client_event_id_from_primary_key: z
      .boolean()
      .default(false)
      .meta({ description: 'Events: derive `clientEventId` from the primary key (same row, same id), so a replayed row carries the same id.' }),
    primary_key: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: 'Source columns forming the primary key. Defaults to the catalog primary key (Airbyte) or `key_properties` (Singer).' }),
    audience_name: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Audiences: the list to add members to or remove them from, when the row has no `list` field. Defaults to the stream name.' }),
    action: z
      .enum(['include', 'exclude'])
      .optional()
      .meta({ description: 'Audiences: `include` adds members, `exclude` removes them. Defaults to the Airbyte destination sync mode (`append` = include, `soft_delete` = exclude), else include.' }),
  })
  .strict();

export const configSchema = z
  .object({
    account_id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^\S+$/, { message: 'must not contain spaces' })
      .meta({ title: 'Account ID', description: 'Your Rokt account ID (sent as `accountId`).', order: 0, examples: ['3067734276394312456'] }),
    public_key: z
      .string()
      .regex(/^rpub-\S+$/, { message: "must start with 'rpub-'" })
      .optional()
      .meta({ title: 'Public key', description: 'Rokt public key (`rpub-…`): Event API v2 and Audience API v3, with the secret key.', order: 1 }),
    secret_key: secret({ title: 'Secret key', description: 'Rokt secret key (`rsec-…`) belonging to the public key.', order: 2 }),
    app_id: z.string().min(1).optional().meta({ title: 'App ID', description: 'Event API v1 app ID (OAuth client credentials), with the app secret. When set, events use v1.', order: 3 }),
    app_secret: secret({ title: 'App secret', description: 'Event API v1 app secret.', order: 4 }),
    api_key: secret({ title: 'Audience API key (legacy)', description: 'Legacy Custom Audience API 1.0 key. Used for audiences only when no public/secret key pair is set.', order: 5 }),
    api_url: apiUrl('Event API URL', 'https://api.rokt.com', 6, 'Base URL of the Event API (and its OAuth token endpoint).'),
    audience_api_url: apiUrl('Audience API URL', 'https://data.rokt.com', 7, 'Base URL of the Custom Audience API.'),
    hash_pii: z
      .boolean()
      .default(true)
      .meta({ title: 'Hash PII', description: 'Normalize and SHA-256-hash email, mobile, first/last name and IP address before sending, as Rokt asks. Values that already are 64-hex hashes pass through.', order: 8 }),
    streams: z
      .record(z.string(), streamBindingSchema)
      .default({})
      .meta({
        title: 'Stream bindings',
        description:
          'For pipelines without an Airbyte data-activation catalog (plain pipes, Singer/Meltano): which Rokt object each stream goes to and how its columns map, keyed by stream name.',
        order: 9,
      }),
    batch_size: z.number().int().min(1).max(100).default(100).meta({ title: 'Event batch size', description: 'Events per request (Rokt allows at most 100).', order: 10 }),
    audience_batch_size: z
      .number()
      .int()
      .min(1)
      .max(100000)
      .default(10000)
      .meta({ title: 'Audience batch size', description: 'Identifiers per audience request.', order: 11 }),
    concurrency: z.number().int().min(1).max(64).default(8).meta({ title: 'Concurrent requests', description: 'Requests in flight at once, events and audiences together.', order: 12 }),
    max_retries: z.number().int().min(0).max(20).default(6).meta({ title: 'Max retries', description: 'Retries of one request after a 429, 5xx, timeout or connection error.', order: 13 }),
    retry_max_seconds: z.number().min(1).max(3600).default(300).meta({ title: 'Max retry time (s)', description: 'Give up retrying one request after this long.', order: 14 }),
    retry_base_delay_ms: z
      .number()
      .int()
      .min(0)
      .max(60000)
      .default(1000)
      .meta({ title: 'First retry delay (ms)', description: 'Backoff before the first retry; doubles each retry (with jitter, at most 30 s) unless Rokt sends Retry-After.', order: 15 }),
    request_timeout_seconds: z.number().min(1).max(600).default(30).meta({ title: 'Request timeout (s)', description: 'Time allowed for one HTTP request before it is retried.', order: 16 }),
    flush_interval_seconds: z
      .number()
      .min(1)
      .max(600)
      .default(30)
      .meta({ title: 'Flush interval (s)', description: 'A partial batch is sent at the latest this long after its first row (a waiting STATE flushes at once).', order: 17 }),
    unrouted_streams: z
      .enum(['reject', 'fail'])
      .default('reject')
      .meta({
        title: 'Unrouted streams',
        description: 'Records of a stream that goes nowhere (not in the data-activation catalog, no binding): `reject` counts them as rejected with a warning and goes on; `fail` stops the run.',
        order: 19,
      }),
    validate_records: z
      .boolean()
      .default(true)
      .meta({ title: 'Validate records (Singer)', description: 'Singer mode: validate each record against its stream’s SCHEMA message; invalid records are rejected with the reason.', order: 20 }),
    rejected_records_path: z
      .string()
      .min(1)
      .optional()
      .meta({ title: 'Rejected records file', description: 'Append each rejected row (PII hashed) with its reason to this JSONL file.', order: 18 }),
    dry_run: z
      .boolean()
      .default(false)
      .meta({
        title: 'Dry run',
        description: 'Parse, validate, map, hash and batch everything, but call Rokt never: the request bodies go to dry_run_output_path (or stderr) and no STATE is echoed.',
        order: 21,
      }),
    dry_run_output_path: z.string().min(1).optional().meta({ title: 'Dry-run output file', description: 'Where a dry run writes the request bodies it would send, one JSON line each (default: stderr).', order: 22 }),
    debug_log_path: z
      .string()
      .min(1)
      .optional()
      .meta({
        title: 'API-call debug log',
        description: 'Append every HTTP exchange with Rokt (time, URL, attempt, status, duration, headers with credentials redacted, bodies with identifiers hashed, which records) as one JSON line to this file.',
        order: 23,
      }),
    debug_log_max_mb: z.number().min(1).max(10240).default(100).meta({ title: 'Debug log size (MB)', description: 'When the debug log reaches this size it is rotated to <path>.1.', order: 24 }),
    progress_interval_seconds: z
      .number()
      .min(1)
      .max(3600)
      .default(10)
      .meta({ title: 'Progress interval (s)', description: 'How often `write` logs a progress line (rows read, accepted, rejected, in flight, retries, rows/s, oldest waiting state).', order: 25 }),
  })
  .superRefine((config, ctx) => {
    if (config.public_key && !config.secret_key) ctx.addIssue({ code: 'custom', path: ['secret_key'], message: 'is required with public_key' });
    if (config.secret_key && !config.public_key) ctx.addIssue({ code: 'custom', path: ['public_key'], message: 'is required with secret_key' });
    if (config.app_id && !config.app_secret) ctx.addIssue({ code: 'custom', path: ['app_secret'], message: 'is required with app_id' });
    if (config.app_secret && !config.app_id) ctx.addIssue({ code: 'custom', path: ['app_id'], message: 'is required with app_secret' });
  });

export type Config = z.output<typeof configSchema>;
export type StreamBinding = z.output<typeof streamBindingSchema>;

/** The JSON Schema published as `connectionSpecification`. */
export function connectionSpecification(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  return { $schema: schema.$schema, title: 'Rokt Destination Spec', ...schema };
}
