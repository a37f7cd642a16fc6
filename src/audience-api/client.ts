import type { AudienceAction, IdentifierKey } from '../rules/map-audience.js';
import { basicAuth } from '../rokt/auth.js';
import { endpoint, type ApiResponse } from '../rokt/http.js';
import type { Sender } from '../rokt/sender.js';
import type { AudienceAuth } from './credentials.js';

export interface AudienceRequest {
  list: string;
  action: AudienceAction;
  key: IdentifierKey;
  identifiers: readonly string[];
}

export interface AudienceTransport {
  readonly version: 'v3' | '1.0';
  send(request: AudienceRequest): Promise<ApiResponse>;
  authCheck(): Promise<ApiResponse>;
}

export function createAudienceTransport(options: { auth: AudienceAuth; sender: Sender; audienceApiUrl: string; accountId: string }): AudienceTransport {
  const { auth, sender, audienceApiUrl, accountId } = options;
  // v3 signs with the key pair; the legacy API takes the raw key as the Authorization value.
  const authorization = auth.version === 'v3' ? basicAuth(auth.publicKey, auth.secretKey) : auth.apiKey;
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: authorization };
  return {
    version: auth.version,
    send: ({ list, action, key, identifiers }) =>
      // v3 carries accountId in the body, the legacy 1.0 API does not.
      auth.version === 'v3'
        ? sender.send({ method: 'POST', headers, url: endpoint(audienceApiUrl, '/v3/import/suppression'), body: JSON.stringify({ accountId, action, list, [key]: identifiers }) })
        : sender.send({ method: 'POST', headers, url: endpoint(audienceApiUrl, '/api/1.0/import/suppression'), body: JSON.stringify({ action, list, [key]: identifiers }) }),
    authCheck: () =>
      auth.version === 'v3'
        ? sender.send({ method: 'POST', url: endpoint(audienceApiUrl, '/v3/auth-check'), headers, body: JSON.stringify({ accountId }) })
        : sender.send({ method: 'GET', url: endpoint(audienceApiUrl, '/api/1.0/auth-check'), headers: { Accept: 'application/json', Authorization: authorization } }),
  };
}
