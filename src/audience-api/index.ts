import { legacyAccountId } from '../rokt/account.js';
import { hashPii } from '../rules/normalize.js';
import { objectOperations } from '../catalog/operations.js';
import { isObject } from '../protocol/json.js';
import { basicAuth } from '../rokt/auth.js';
import { probeProblem } from '../rokt/probe-answer.js';
import { httpSender } from '../rokt/sender.js';
import type { ApiFamily, Probe } from '../sync/family.js';
import { createAudienceTransport } from './client.js';
import { audienceAuth } from './credentials.js';
import { audienceApiWriter } from './writer.js';

/** Rokt's Custom Audience API: v3 (HTTP Basic with the key pair, accountId) and the legacy 1.0 (raw API key). */
export const audienceApiFamily: ApiFamily = {
  title: 'Audience API',
  objects: ['audience'],
  operations: (object) => objectOperations(object),
  handles: (config) => config.rokt_api !== 'mparticle' && audienceAuth(config) !== undefined,
  describe(config) {
    const auth = audienceAuth(config);
    if (auth?.version === '1.0') return 'Audiences use the legacy Audience API 1.0 (api_key).';
    return `Audiences use the Audience API v3 (public_key/secret_key)${config.api_key ? '; the legacy api_key is not used' : ''}.`;
  },
  probes(config, http) {
    const sender = httpSender(http);
    const probes: Probe[] = [];
    const probe = (auth: NonNullable<ReturnType<typeof audienceAuth>>) => async () =>
      probeProblem(await createAudienceTransport({ auth, sender, audienceApiUrl: config.audience_api_url, accountId: legacyAccountId(config) }).authCheck());
    if (config.public_key && config.secret_key) {
      probes.push({ credential: 'public_key/secret_key with account_id (Audience API v3 auth-check)', run: probe({ version: 'v3', publicKey: config.public_key, secretKey: config.secret_key }) });
    }
    // The legacy 1.0 API takes no account: only the key can be checked.
    if (config.api_key) probes.push({ credential: 'api_key (Audience API 1.0 auth-check)', run: probe({ version: '1.0', apiKey: config.api_key }) });
    return probes;
  },
  derivedSecrets: (config) => (config.public_key && config.secret_key ? [basicAuth(config.public_key, config.secret_key).slice('Basic '.length)] : []),
  redactLoggedBody: (body) =>
    // Plain emails (hash_pii off) are hashed in the debug log.
    isObject(body) && Array.isArray(body.emails) ? { ...body, emails: body.emails.map((email) => (typeof email === 'string' ? hashPii('email', email) : email)) } : body,
  credentialHint: () => 'public_key and secret_key (Audience API v3) or api_key (Audience API 1.0)',
  writer: (context) => audienceApiWriter(context),
};
