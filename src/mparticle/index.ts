/**
 * Rokt's Event and Audience API: mParticle's server-to-server Events API run for Rokt, which Rokt
 * asks every client to move to from its legacy Event API. Events and audience changes alike go to
 * `POST {mparticle_url}/v2/bulkevents` as batches (one per row), HTTP Basic with the key and secret.
 */
import { usesMparticleApi } from '../config/schema.js';
import { basicAuth } from '../rokt/auth.js';
import { httpSender } from '../rokt/sender.js';
import type { ApiFamily } from '../sync/family.js';
import { mparticleCredentials } from './client.js';
import { mparticleOperations } from './operations.js';
import { emptyBulkRequest, PROBE_CREDENTIAL } from './probe.js';
import { redactBulkBody } from './redact.js';
import { API_TITLE, mparticleWriter } from './writer.js';

export const mparticleFamily: ApiFamily = {
  title: API_TITLE,
  objects: ['event', 'audience'],
  operations: (object) => mparticleOperations(object),
  handles: (config) => usesMparticleApi(config),
  describe(config, object) {
    const what = object === 'event' ? 'Events' : 'Audience changes';
    const why = config.rokt_api === 'mparticle' ? 'rokt_api is "mparticle"' : 'mparticle_api_key and mparticle_api_secret are set';
    return `${what} use the ${API_TITLE} (${config.mparticle_url}/v2/bulkevents, environment ${config.mparticle_environment}), because ${why}.`;
  },
  probes(config, http) {
    if (!mparticleCredentials(config)) return [];
    const sender = httpSender(http);
    return [{ credential: PROBE_CREDENTIAL, run: () => emptyBulkRequest({ config, sender }) }];
  },
  derivedSecrets(config) {
    const credentials = mparticleCredentials(config);
    return credentials ? [basicAuth(credentials.key, credentials.secret).slice('Basic '.length)] : [];
  },
  redactLoggedBody: (body) => redactBulkBody(body),
  credentialHint: () => `mparticle_api_key and mparticle_api_secret (${API_TITLE})`,
  writer: (context) => mparticleWriter(context),
};
