import { resolveCredentials } from '../config/credentials.js';
import type { Config } from '../config/schema.js';
import { configSecrets } from '../config/secrets.js';
import { ConfigError } from '../errors.js';
import { Redactor } from '../protocol/redact.js';
import { createAudienceTransport, type AudienceTransport } from './audience-api.js';
import { DebugLog } from './debug-log.js';
import { DryRunSink, dryRunTransports } from './dry-run.js';
import { createEventsTransport, type EventsTransport } from './events-api.js';
import { HttpClient } from './http.js';

export interface RoktClients {
  events?: EventsTransport;
  audiences?: AudienceTransport;
  /** Set in a dry run: what would have been sent. */
  dryRun?: DryRunSink;
  /** Sentences for the log: which credential set is used where. */
  notes: string[];
}

/** The HTTP client for this config, with the API-call debug log attached when configured. */
export function httpClientFor(config: Config, maxSockets: number): HttpClient {
  const debugLog = config.debug_log_path
    ? new DebugLog({ path: config.debug_log_path, maxBytes: config.debug_log_max_mb * 1024 * 1024, redactor: new Redactor(configSecrets(config)) })
    : undefined;
  return new HttpClient({ timeoutMs: config.request_timeout_seconds * 1000, maxSockets, observe: debugLog && ((exchange) => debugLog.record(exchange)) });
}

/**
 * The Rokt clients the routed objects need. A routed object without credentials is a config error,
 * except in a dry run, which needs none (it assumes the current API versions).
 */
export function createRoktClients(config: Config, objects: Set<'event' | 'audience'>): RoktClients {
  const credentials = resolveCredentials(config);
  if (config.dry_run) {
    const dryRun = new DryRunSink(config.dry_run_output_path);
    const transports = dryRunTransports({
      sink: dryRun,
      eventsVersion: credentials.events?.version ?? 'v2',
      audienceVersion: credentials.audiences?.version ?? 'v3',
      apiUrl: config.api_url,
      audienceApiUrl: config.audience_api_url,
      accountId: config.account_id,
    });
    return { ...transports, dryRun, notes: credentials.notes };
  }
  if (objects.has('event') && !credentials.events) throw new ConfigError('Streams send events, but no Event API credentials are configured: set app_id and app_secret (v1) or public_key and secret_key (v2)');
  if (objects.has('audience') && !credentials.audiences) throw new ConfigError('Streams write audiences, but no Audience API credentials are configured: set public_key and secret_key (v3) or api_key (1.0)');
  const http = httpClientFor(config, config.concurrency);
  return {
    events: credentials.events && createEventsTransport({ auth: credentials.events, http, apiUrl: config.api_url }),
    audiences: credentials.audiences && createAudienceTransport({ auth: credentials.audiences, http, audienceApiUrl: config.audience_api_url, accountId: config.account_id }),
    notes: credentials.notes,
  };
}
