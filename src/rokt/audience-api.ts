import type { AudienceAuth } from '../config/credentials.js';
import type { AudienceAction, IdentifierKey } from '../catalog/map-audience.js';
import { basicAuth } from './auth.js';
import { endpoint, type ApiResponse, type HttpClient } from './http.js';

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

export function createAudienceTransport(options: { auth: AudienceAuth; http: HttpClient; audienceApiUrl: string; accountId: string }): AudienceTransport {
  const { auth, http, audienceApiUrl, accountId } = options;
  const json = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (auth.version === 'v3') {
    const authorization = basicAuth(auth.publicKey, auth.secretKey);
    return {
      version: 'v3',
      send: ({ list, action, key, identifiers }) =>
        http.request({
          method: 'POST',
          url: endpoint(audienceApiUrl, '/v3/import/suppression'),
          headers: { ...json, Authorization: authorization },
          body: JSON.stringify({ accountId, action, list, [key]: identifiers }),
        }),
      authCheck: () =>
        http.request({
          method: 'POST',
          url: endpoint(audienceApiUrl, '/v3/auth-check'),
          headers: { ...json, Authorization: authorization },
          body: JSON.stringify({ accountId }),
        }),
    };
  }
  // The legacy API takes the raw key as the Authorization value and no accountId.
  return {
    version: '1.0',
    send: ({ list, action, key, identifiers }) =>
      http.request({
        method: 'POST',
        url: endpoint(audienceApiUrl, '/api/1.0/import/suppression'),
        headers: { ...json, Authorization: auth.apiKey },
        body: JSON.stringify({ action, list, [key]: identifiers }),
      }),
    authCheck: () =>
      http.request({ method: 'GET', url: endpoint(audienceApiUrl, '/api/1.0/auth-check'), headers: { Accept: 'application/json', Authorization: auth.apiKey } }),
  };
}
