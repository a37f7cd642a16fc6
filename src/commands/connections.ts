import type { Config } from '../config/schema.js';
import { configSecrets } from '../config/secrets.js';
import { FAMILIES, requireFamily } from '../families.js';
import { Redactor } from '../protocol/redact.js';
import { DebugLog } from '../rokt/debug-log.js';
import { DryRunSink } from '../rokt/dry-run.js';
import { HttpClient } from '../rokt/http.js';
import { dryRunSender, httpSender } from '../rokt/sender.js';
import type { AnyFamilyWriter, RoktObject } from '../sync/family.js';

/** Every secret of the config, in every form the families derive from it: never printed. */
export function secretsRedactor(config: Config): Redactor {
  return new Redactor(configSecrets(config, FAMILIES));
}

/** The HTTP client for this config, with the API-call debug log attached when configured. */
export function httpClientFor(config: Config, maxSockets: number): HttpClient {
  const debugLog = config.debug_log_path
    ? new DebugLog({
        path: config.debug_log_path,
        maxBytes: config.debug_log_max_mb * 1024 * 1024,
        redactor: secretsRedactor(config),
        redactBody: (body) => FAMILIES.reduce((redacted, family) => family.redactLoggedBody(redacted), body),
      })
    : undefined;
  return new HttpClient({ timeoutMs: config.request_timeout_seconds * 1000, maxSockets, observe: debugLog && ((exchange) => debugLog.record(exchange)) });
}

export interface RunWriters {
  writers: Map<RoktObject, AnyFamilyWriter>;
  /** The API family sending each object: one family shares one allowance (concurrency, Retry-After pauses). */
  familyOf: Map<RoktObject, string>;
  /** Set in a dry run: what would have been sent. */
  dryRun?: DryRunSink;
  /** Sentences for the log: which API and credential set each object uses. */
  notes: string[];
}

/**
 * One writer per routed object, from the family that sends it. A routed object nobody can send is a
 * config error, except in a dry run, which needs no credentials.
 */
export function createWriters(options: { config: Config; objects: Iterable<RoktObject>; log: (level: 'ERROR' | 'WARN' | 'INFO', message: string) => void; now?: () => number }): RunWriters {
  const { config } = options;
  const dryRun = config.dry_run ? new DryRunSink(config.dry_run_output_path) : undefined;
  const sender = dryRun ? dryRunSender(dryRun) : httpSender(httpClientFor(config, config.concurrency));
  const writers = new Map<RoktObject, AnyFamilyWriter>();
  const notes: string[] = [];
  const familyOf = new Map<RoktObject, string>();
  for (const object of options.objects) {
    const family = requireFamily(config, object);
    familyOf.set(object, family.title);
    writers.set(object, family.writer({ config, object, sender, log: options.log, now: options.now ?? Date.now }));
    notes.push(family.describe(config, object));
  }
  return { writers, familyOf, dryRun, notes };
}
