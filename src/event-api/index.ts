import { EVENT_FIELDS_BY_LOWER_NAME } from '../rules/fields.js';
import { hashPii } from '../rules/normalize.js';
import { objectOperations } from '../catalog/operations.js';
import { isObject } from '../protocol/json.js';
import { basicAuth } from '../rokt/auth.js';
import { httpSender } from '../rokt/sender.js';
import type { ApiFamily } from '../sync/family.js';
import { eventAuth } from './credentials.js';
import { emptyEventsRequest } from './probe.js';
import { eventApiWriter } from './writer.js';

/** Rokt's legacy Event API: v1 (OAuth client credentials, Idempotency-Key) and v2 (HTTP Basic). */
export const eventApiFamily: ApiFamily = {
  title: 'Event API',
  objects: ['event'],
  operations: (object) => objectOperations(object),
  handles: (config) => config.rokt_api !== 'mparticle' && eventAuth(config) !== undefined,
  describe(config) {
    const auth = eventAuth(config);
    if (auth?.version === 'v1') {
      return `Events use the Event API v1 (app_id/app_secret)${config.public_key ? '; the public/secret key pair is used for audiences (v3)' : ''}.`;
    }
    return 'Events use the Event API v2 (public_key/secret_key).';
  },
  probes(config, http) {
    const sender = httpSender(http);
    const probes = [];
    if (config.app_id && config.app_secret) {
      const auth = { version: 'v1', appId: config.app_id, appSecret: config.app_secret } as const;
      probes.push({ credential: 'app_id/app_secret with account_id (Event API v1: OAuth token, then an empty events request)', run: () => emptyEventsRequest({ auth, sender, config }) });
    }
    const auth = eventAuth(config);
    if (auth?.version === 'v2') {
      probes.push({ credential: 'public_key/secret_key with account_id (Event API v2: an empty events request)', run: () => emptyEventsRequest({ auth, sender, config }) });
    }
    return probes;
  },
  derivedSecrets: (config) => [
    ...(config.app_id && config.app_secret ? [basicAuth(config.app_id, config.app_secret).slice('Basic '.length)] : []),
    ...(config.public_key && config.secret_key ? [basicAuth(config.public_key, config.secret_key).slice('Basic '.length)] : []),
  ],
  redactLoggedBody: (body) => (isObject(body) && Array.isArray(body.events) ? { ...body, events: body.events.map(redactEvent) } : body),
  credentialHint: () => 'app_id and app_secret (Event API v1) or public_key and secret_key (Event API v2)',
  writer: (context) => eventApiWriter(context),
};

/** Plain PII entries (sent only with hash_pii off) are hashed in the debug log. */
function redactEvent(event: unknown): unknown {
  if (!isObject(event) || !Array.isArray(event.objectData)) return event;
  return {
    ...event,
    objectData: event.objectData.map((entry: unknown) => {
      if (!isObject(entry) || typeof entry.name !== 'string' || typeof entry.value !== 'string') return entry;
      const pii = EVENT_FIELDS_BY_LOWER_NAME.get(entry.name.toLowerCase())?.pii;
      return pii ? { name: entry.name, value: hashPii(pii, entry.value) ?? '', note: 'hashed in this log' } : entry;
    }),
  };
}
