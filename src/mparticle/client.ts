import type { Config } from '../config/schema.js';
import { basicAuth } from '../rokt/auth.js';
import { endpoint, type ApiResponse } from '../rokt/http.js';
import type { Sender } from '../rokt/sender.js';

export const BULK_EVENTS_PATH = '/v2/bulkevents';

/** The key and secret, when both are set. */
export function mparticleCredentials(config: Config): { key: string; secret: string } | undefined {
  return config.mparticle_api_key && config.mparticle_api_secret ? { key: config.mparticle_api_key, secret: config.mparticle_api_secret } : undefined;
}

/** Posts one bulk body: HTTP Basic with the key and secret; no account id, no version header. */
export function bulkEventsClient(options: { config: Config; sender: Sender }): { send(body: string): Promise<ApiResponse> } {
  const credentials = mparticleCredentials(options.config);
  const url = endpoint(options.config.mparticle_url, BULK_EVENTS_PATH);
  const headers: Record<string, string> = {
    // A dry run needs no credentials and shows the request without them.
    ...(credentials ? { Authorization: basicAuth(credentials.key, credentials.secret) } : {}),
    'Content-Type': 'application/json',
    Accept: 'application/json',
  };
  return { send: (body) => options.sender.send({ method: 'POST', url, headers, body }) };
}
