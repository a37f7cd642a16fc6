import { randomUUID } from 'node:crypto';
import { Router } from '../catalog/routes.js';
import { resolveCredentials, type EventAuth } from '../config/credentials.js';
import { loadConfig } from '../config/load.js';
import { outputPathProblems } from '../config/output-paths.js';
import type { Config } from '../config/schema.js';
import { configSecrets } from '../config/secrets.js';
import { ConfigError, FatalApiError } from '../errors.js';
import { Redactor } from '../protocol/redact.js';
import { createAudienceTransport } from '../rokt/audience-api.js';
import { TokenError } from '../rokt/auth.js';
import { httpClientFor } from '../rokt/clients.js';
import { createEventsTransport } from '../rokt/events-api.js';
import type { ApiResponse, HttpClient } from '../rokt/http.js';
import { describeRokt } from '../sync/deliver.js';
import { flagValue, type CommandContext } from './context.js';

interface Probe {
  /** Which credential (and which call) this probe tries, as the status message names it. */
  credential: string;
  /** What is wrong, in words, or undefined when Rokt accepted. */
  run: () => Promise<string | undefined>;
}

/**
 * Checks the whole config: its values, the files it names, its bindings, and every credential set
 * against Rokt (with account_id wherever an API takes it). Every problem the user must fix is a
 * FAILED status and exit 0 — an unreadable or invalid config file included; nothing is written.
 */
export async function runCheck({ flags, output }: CommandContext): Promise<void> {
  const warnings: string[] = [];
  let config: Config;
  try {
    config = await loadConfig(flagValue(flags, 'config'), { onWarning: (message) => warnings.push(message) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return connectionStatus(output, 'FAILED', error.message);
  }
  output.setRedactor(new Redactor(configSecrets(config)));
  for (const warning of warnings) await output.log('WARN', warning);
  const credentials = resolveCredentials(config);
  const problems = [...(await outputPathProblems(config)), ...bindingProblems(config, credentials.events !== undefined, credentials.audiences !== undefined)];
  const probes = probesFor(config, credentials.events);
  if (probes.length === 0) {
    problems.push('No Rokt credentials: set app_id and app_secret (Event API v1), or public_key and secret_key (Event API v2 and Audience API v3), or api_key (legacy Audience API).');
    return connectionStatus(output, 'FAILED', problems.join(' '));
  }
  const results = await Promise.all(probes.map(async (probe) => ({ probe, problem: await runProbe(probe) })));
  const failures = [...results.filter((result) => result.problem !== undefined).map((result) => `${result.probe.credential} failed: ${result.problem}.`), ...problems.map(sentence)];
  if (failures.length > 0) return connectionStatus(output, 'FAILED', failures.join(' '));
  const verified = results.map((result) => `${result.probe.credential}: OK.`);
  return connectionStatus(output, 'SUCCEEDED', [...verified, ...credentials.notes].join(' '));
}

function connectionStatus(output: CommandContext['output'], status: 'SUCCEEDED' | 'FAILED', message: string): Promise<void> {
  return output.message({ type: 'CONNECTION_STATUS', connectionStatus: { status, message: output.redact(message) } });
}

const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

function probesFor(config: Config, events: EventAuth | undefined): Probe[] {
  const http = httpClientFor(config, 4);
  const probes: Probe[] = [];
  if (config.app_id && config.app_secret) {
    probes.push({
      credential: 'app_id/app_secret with account_id (Event API v1: OAuth token, then an empty events request)',
      run: () => emptyEventsRequest({ auth: { version: 'v1', appId: config.app_id as string, appSecret: config.app_secret as string }, http, config }),
    });
  }
  if (config.public_key && config.secret_key) {
    const keyPair = { publicKey: config.public_key, secretKey: config.secret_key };
    if (events?.version === 'v2') {
      probes.push({ credential: 'public_key/secret_key with account_id (Event API v2: an empty events request)', run: () => emptyEventsRequest({ auth: { version: 'v2', ...keyPair }, http, config }) });
    }
    const audience = createAudienceTransport({ auth: { version: 'v3', ...keyPair }, http, audienceApiUrl: config.audience_api_url, accountId: config.account_id });
    probes.push({ credential: 'public_key/secret_key with account_id (Audience API v3 auth-check)', run: async () => accepted(await audience.authCheck()) });
  }
  if (config.api_key) {
    // The legacy 1.0 API takes no account: only the key can be checked.
    const legacy = createAudienceTransport({ auth: { version: '1.0', apiKey: config.api_key }, http, audienceApiUrl: config.audience_api_url, accountId: config.account_id });
    probes.push({ credential: 'api_key (Audience API 1.0 auth-check)', run: async () => accepted(await legacy.authCheck()) });
  }
  return probes;
}

/**
 * The Event API has no auth-check, but every events request carries accountId. An empty one
 * passes authentication and the account check and is then refused for being empty (400), so it
 * verifies both without sending an event.
 */
async function emptyEventsRequest(options: { auth: EventAuth; http: HttpClient; config: Config }): Promise<string | undefined> {
  const transport = createEventsTransport({ auth: options.auth, http: options.http, apiUrl: options.config.api_url });
  const body = Buffer.from(JSON.stringify({ accountId: options.config.account_id, events: [] }));
  try {
    const response = await transport.send(body, randomUUID());
    return response.status === 400 ? undefined : accepted(response);
  } catch (error) {
    if (error instanceof TokenError) return `the OAuth token endpoint answered ${describeRokt(error.response)}`;
    if (error instanceof FatalApiError) return error.message;
    throw error;
  }
}

function accepted(response: ApiResponse): string | undefined {
  if (response.status >= 200 && response.status < 300) return undefined;
  const answer = `Rokt answered ${describeRokt(response)}`;
  return response.status === 403 ? `${answer}: these credentials may not be used with this account_id, or not with this API` : answer;
}

async function runProbe(probe: Probe): Promise<string | undefined> {
  try {
    return await probe.run();
  } catch (error) {
    return `could not reach Rokt (${(error as Error).message})`;
  }
}

/** Bindings are checked as `write` would (reserved names, duplicates), and against the credentials they need. */
function bindingProblems(config: Config, hasEvents: boolean, hasAudiences: boolean): string[] {
  const problems: string[] = [];
  try {
    new Router(config, undefined);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error.message);
  }
  for (const binding of config.streams) {
    if (binding.object === 'event' && !hasEvents) problems.push(`Stream "${binding.stream}" sends events, which need app_id/app_secret or public_key/secret_key`);
    if (binding.object === 'audience' && !hasAudiences) problems.push(`Stream "${binding.stream}" writes audiences, which need public_key/secret_key or api_key`);
  }
  return problems;
}
