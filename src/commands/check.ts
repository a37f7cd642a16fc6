import { describeRokt } from '../sync/deliver.js';
import { parseConfig, readJsonFile } from '../config/load.js';
import { resolveCredentials } from '../config/credentials.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { Redactor } from '../protocol/redact.js';
import { createAudienceTransport } from '../rokt/audience-api.js';
import { OAuthToken, readToken } from '../rokt/auth.js';
import { httpClientFor } from '../rokt/clients.js';
import type { ApiResponse } from '../rokt/http.js';
import { flagValue, type CommandContext } from './context.js';
import { configSecrets } from '../config/secrets.js';

interface Probe {
  credential: string;
  call: () => Promise<ApiResponse>;
  /** A 200 is not always enough (the token answer must carry a token). */
  accept?: (response: ApiResponse) => string | undefined;
}

/**
 * Calls Rokt with every credential set in the config and reports the first problem of each.
 * A config the user must fix is a FAILED status (exit 0); only unreadable files throw.
 */
export async function runCheck({ flags, output }: CommandContext): Promise<void> {
  const raw = await readJsonFile(flagValue(flags, 'config'), 'config');
  let config: Config;
  try {
    config = parseConfig(raw);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return connectionStatus(output, 'FAILED', error.message);
  }
  output.setRedactor(new Redactor(configSecrets(config)));
  const credentials = resolveCredentials(config);
  const problems = bindingProblems(config, credentials.events !== undefined, credentials.audiences !== undefined);
  const probes = probesFor(config);
  if (probes.length === 0) {
    return connectionStatus(output, 'FAILED', 'No Rokt credentials: set app_id and app_secret (Event API v1), or public_key and secret_key (Event API v2 and Audience API v3), or api_key (legacy Audience API).');
  }
  const results = await Promise.all(probes.map((probe) => runProbe(probe)));
  const failures = [...results.filter((result) => !result.ok).map((result) => result.message), ...problems];
  const verified = results.filter((result) => result.ok).map((result) => result.message);
  if (failures.length > 0) return connectionStatus(output, 'FAILED', failures.join(' '));
  return connectionStatus(output, 'SUCCEEDED', `${verified.join(' ')} ${credentials.notes.join(' ')}`.trim());
}

function connectionStatus(output: CommandContext['output'], status: 'SUCCEEDED' | 'FAILED', message: string): Promise<void> {
  return output.message({ type: 'CONNECTION_STATUS', connectionStatus: { status, message: output.redact(message) } });
}

function probesFor(config: Config): Probe[] {
  const http = httpClientFor(config, 4);
  const probes: Probe[] = [];
  if (config.app_id && config.app_secret) {
    const token = new OAuthToken({ http, apiUrl: config.api_url, appId: config.app_id, appSecret: config.app_secret });
    probes.push({
      credential: 'app_id/app_secret (Event API v1 OAuth token)',
      call: () => token.exchange(),
      accept: (response) => (readToken(response.body) ? undefined : 'the answer carried no access_token'),
    });
  }
  if (config.public_key && config.secret_key) {
    const audience = createAudienceTransport({ auth: { version: 'v3', publicKey: config.public_key, secretKey: config.secret_key }, http, audienceApiUrl: config.audience_api_url, accountId: config.account_id });
    probes.push({ credential: 'public_key/secret_key with account_id (Audience API v3 auth-check; the same key pair signs Event API v2 calls)', call: () => audience.authCheck() });
  }
  if (config.api_key) {
    const legacy = createAudienceTransport({ auth: { version: '1.0', apiKey: config.api_key }, http, audienceApiUrl: config.audience_api_url, accountId: config.account_id });
    probes.push({ credential: 'api_key (Audience API 1.0 auth-check)', call: () => legacy.authCheck() });
  }
  return probes;
}

async function runProbe(probe: Probe): Promise<{ ok: boolean; message: string }> {
  try {
    const response = await probe.call();
    if (response.status >= 200 && response.status < 300) {
      const problem = probe.accept?.(response);
      return problem ? { ok: false, message: `${probe.credential}: ${problem}.` } : { ok: true, message: `${probe.credential}: OK.` };
    }
    return { ok: false, message: `${probe.credential} failed: Rokt answered ${describeRokt(response)}.` };
  } catch (error) {
    return { ok: false, message: `${probe.credential}: could not reach Rokt (${(error as Error).message}).` };
  }
}

function bindingProblems(config: Config, hasEvents: boolean, hasAudiences: boolean): string[] {
  const problems: string[] = [];
  for (const [stream, binding] of Object.entries(config.streams)) {
    if (binding.object === 'event' && !hasEvents) problems.push(`Stream "${stream}" sends events, which need app_id/app_secret or public_key/secret_key.`);
    if (binding.object === 'audience' && !hasAudiences) problems.push(`Stream "${stream}" writes audiences, which need public_key/secret_key or api_key.`);
  }
  return problems;
}
