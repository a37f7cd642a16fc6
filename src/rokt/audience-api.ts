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

/** URL and body of an import: v3 carries accountId in the body, the legacy 1.0 API does not. */
export function audienceImport(options: { version: 'v3' | '1.0'; audienceApiUrl: string; accountId: string }, request: AudienceRequest): { url: string; body: string } {
  const { list, action, key, identifiers } = request;
  return options.version === 'v3'
    ? { url: endpoint(options.audienceApiUrl, '/v3/import/suppression'), body: JSON.stringify({ accountId: options.accountId, action, list, [key]: identifiers }) }
    : { url: endpoint(options.audienceApiUrl, '/api/1.0/import/suppression'), body: JSON.stringify({ action, list, [key]: identifiers }) };
}

export function createAudienceTransport(options: { auth: AudienceAuth; http: HttpClient; audienceApiUrl: string; accountId: string }): AudienceTransport {
  const { auth, http, audienceApiUrl, accountId } = options;
  // v3 signs with the key pair; the legacy API takes the raw key as the Authorization value.
  const authorization = auth.version === 'v3' ? basicAuth(auth.publicKey, auth.secretKey) : auth.apiKey;
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: authorization };
  return {
    version: auth.version,
    send: (request) => http.request({ method: 'POST', headers, ...audienceImport({ version: auth.version, audienceApiUrl, accountId }, request) }),
    authCheck: () =>
      auth.version === 'v3'
        ? http.request({ method: 'POST', url: endpoint(audienceApiUrl, '/v3/auth-check'), headers, body: JSON.stringify({ accountId }) })
        : http.request({ method: 'GET', url: endpoint(audienceApiUrl, '/api/1.0/auth-check'), headers: { Accept: 'application/json', Authorization: authorization } }),
  };
}
