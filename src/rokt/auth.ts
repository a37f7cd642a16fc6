import type { ApiResponse } from './http.js';

export const basicAuth = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * A credentials exchange that comes before the data request (an OAuth token) did not succeed. It
 * carries the answer, so the delivery layer can retry a 5xx or fail on a 401 like any answer.
 */
export class AuthExchangeError extends Error {
  override readonly name = 'AuthExchangeError';
  constructor(
    /** Names the credentials and the call, e.g. "app_id/app_secret: the token endpoint". */
    readonly exchange: string,
    readonly response: ApiResponse,
  ) {
    super(`${exchange} answered HTTP ${response.status}`);
  }
}
