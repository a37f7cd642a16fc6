import { parseConfiguredCatalog } from '../catalog/configured-catalog.js';
import { Router } from '../catalog/routes.js';
import { resolveCredentials } from '../config/credentials.js';
import { loadConfig, readJsonFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { configSecrets } from '../config/secrets.js';
import { ConfigError } from '../errors.js';
import { airbyteSyncMessages, airbyteSyncOutput } from '../protocol/airbyte-sync.js';
import { readLines } from '../protocol/lines.js';
import { Redactor } from '../protocol/redact.js';
import { createAudienceTransport, type AudienceTransport } from '../rokt/audience-api.js';
import { createEventsTransport, type EventsTransport } from '../rokt/events-api.js';
import { HttpClient } from '../rokt/http.js';
import type { SyncMessage, SyncOutput } from '../sync/messages.js';
import { WritePipeline } from '../sync/pipeline.js';
import type { RunReport } from '../sync/report.js';
import { flagValue, type CommandContext } from './context.js';

export interface Transports {
  events?: EventsTransport;
  audiences?: AudienceTransport;
  notes: string[];
}

/** The Rokt clients the routed objects need; a routed object without credentials is a config error. */
export function createTransports(config: Config, router: Router): Transports {
  const credentials = resolveCredentials(config);
  const objects = router.objects();
  if (objects.has('event') && !credentials.events) throw new ConfigError('Streams send events, but no Event API credentials are configured: set app_id and app_secret (v1) or public_key and secret_key (v2)');
  if (objects.has('audience') && !credentials.audiences) throw new ConfigError('Streams write audiences, but no Audience API credentials are configured: set public_key and secret_key (v3) or api_key (1.0)');
  const http = new HttpClient({ timeoutMs: config.request_timeout_seconds * 1000, maxSockets: config.concurrency });
  return {
    events: credentials.events && createEventsTransport({ auth: credentials.events, http, apiUrl: config.api_url }),
    audiences: credentials.audiences && createAudienceTransport({ auth: credentials.audiences, http, audienceApiUrl: config.audience_api_url, accountId: config.account_id }),
    notes: credentials.notes,
  };
}

/** Runs the shared engine and logs the end-of-run summary: one sentence plus its JSON details. */
export async function runSync(options: {
  config: Config;
  router: Router;
  messages: AsyncIterable<SyncMessage>;
  output: SyncOutput;
  stopInput: () => void;
  /** Filled in by the protocol reader while the run goes on. */
  inputCounts: { invalidLines: number };
}): Promise<RunReport> {
  const transports = createTransports(options.config, options.router);
  for (const note of transports.notes) await options.output.log('INFO', note);
  const pipeline = new WritePipeline({ ...options, events: transports.events, audiences: transports.audiences });
  const onSignal = (signal: 'SIGTERM' | 'SIGINT') => pipeline.interrupt(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let report: RunReport;
  try {
    report = await pipeline.run();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  report.invalidLines = options.inputCounts.invalidLines;
  const { sentence, details } = report.summary();
  await options.output.log('INFO', `${sentence} ${JSON.stringify(details)}`);
  return report;
}

export async function runWrite({ flags, output, stdin }: CommandContext): Promise<void> {
  const config = await loadConfig(flagValue(flags, 'config'));
  output.setRedactor(new Redactor(configSecrets(config)));
  const catalogPath = flagValue(flags, 'catalog');
  const catalog = catalogPath ? parseConfiguredCatalog(await readJsonFile(catalogPath, 'catalog')) : undefined;
  const router = new Router(config, catalog);
  const counts = { invalidLines: 0, ignored: new Map<string, number>() };
  const stop = new AbortController();
  const messages = airbyteSyncMessages(readLines(stdin, { signal: stop.signal }), { output, counts });
  await runSync({ config, router, messages, output: airbyteSyncOutput(output), stopInput: () => stop.abort(), inputCounts: counts });
}
