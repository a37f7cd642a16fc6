import { basicAuth } from '../rokt/auth.js';
import { endpoint, type ApiResponse } from '../rokt/http.js';
import type { Sender } from '../rokt/sender.js';
import type { EventAuth } from './credentials.js';
import { OAuthToken } from './oauth.js';

export const ROKT_VERSION = '2020-05-21';

/** Sends one already-serialized events body. `requestKey` stays the same across retries of one request. */
export interface EventsTransport {
  readonly version: 'v1' | 'v2';
  /** v1's Idempotency-Key makes a 409 mean "this request already landed". */
  readonly conflictMeansDelivered: boolean;
  send(body: Buffer, requestKey: string): Promise<ApiResponse>;
}

const eventHeaders = (authorization: string | undefined): Record<string, string> => ({
  ...(authorization === undefined ? {} : { Authorization: authorization }),
  'Content-Type': 'application/json',
  Charset: 'utf-8',
  'Rokt-Version': ROKT_VERSION,
  Accept: 'application/json',
});

export function createEventsTransport(options: { auth: EventAuth; sender: Sender; apiUrl: string; now?: () => number }): EventsTransport {
  const { auth, sender, apiUrl } = options;
  if (auth.version === 'v2') {
    const url = endpoint(apiUrl, '/v2/events');
    const authorization = basicAuth(auth.publicKey, auth.secretKey);
    return {
      version: 'v2',
      conflictMeansDelivered: false,
      send: (body) => sender.send({ method: 'POST', url, headers: eventHeaders(authorization), body }),
    };
  }
  const url = endpoint(apiUrl, '/v1/events');
  const token = new OAuthToken({ sender, apiUrl, appId: auth.appId, appSecret: auth.appSecret, now: options.now });
  // A dry run opens no connection, not even for a token.
  const authorization = async () => (sender.dryRun ? undefined : `Bearer ${await token.get()}`);
  const sendOnce = async (body: Buffer, requestKey: string) => sender.send({ method: 'POST', url, headers: { ...eventHeaders(await authorization()), 'Idempotency-Key': requestKey }, body });
  return {
    version: 'v1',
    conflictMeansDelivered: true,
    async send(body, requestKey) {
      const response = await sendOnce(body, requestKey);
      if (response.status !== 401) return response;
      // The token may have been revoked or expired early: refresh once, then believe the answer.
      token.invalidate();
      return sendOnce(body, requestKey);
    },
  };
}
