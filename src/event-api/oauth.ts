import { FatalApiError } from '../errors.js';
import { AuthExchangeError, basicAuth } from '../rokt/auth.js';
import { endpoint, type ApiResponse } from '../rokt/http.js';
import type { Sender } from '../rokt/sender.js';

/** Refresh this long before the token's announced expiry, so no request goes out with a dying token. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;
const DEFAULT_TTL_SECONDS = 3600;

/**
 * Event API v1 OAuth client-credentials token: fetched once, shared by concurrent requests,
 * reused until shortly before it expires, and refreshed when Rokt answers 401.
 */
export class OAuthToken {
  private token?: { value: string; expiresAt: number };
  private inFlight?: Promise<string>;

  constructor(
    private readonly options: { sender: Sender; apiUrl: string; appId: string; appSecret: string; now?: () => number },
  ) {}

  async get(): Promise<string> {
    const now = this.options.now?.() ?? Date.now();
    if (this.token && this.token.expiresAt - EXPIRY_MARGIN_MS > now) return this.token.value;
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  invalidate(): void {
    this.token = undefined;
  }

  /** The raw token exchange, also used by `check`. */
  async exchange(): Promise<ApiResponse> {
    return this.options.sender.send({
      method: 'POST',
      url: endpoint(this.options.apiUrl, '/auth/oauth2/token'),
      headers: {
        Authorization: basicAuth(this.options.appId, this.options.appSecret),
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
    });
  }

  private async fetch(): Promise<string> {
    const response = await this.exchange();
    if (response.status !== 200) {
      throw new AuthExchangeError('app_id/app_secret: the token endpoint', response);
    }
    const token = readToken(response.body);
    if (!token) throw new FatalApiError('Rokt’s OAuth token answer carried no access_token', { status: response.status });
    const now = this.options.now?.() ?? Date.now();
    this.token = { value: token.value, expiresAt: now + token.ttlSeconds * 1000 };
    return token.value;
  }
}

/** Rokt's docs spell the field `access_token`; an old sample spells it `Access_token`: accept both. */
export function readToken(body: string): { value: string; ttlSeconds: number } | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const value = parsed.access_token ?? parsed.Access_token;
  if (typeof value !== 'string' || value === '') return undefined;
  const ttl = Number(parsed.expires_in ?? parsed.Expires_in);
  return { value, ttlSeconds: Number.isFinite(ttl) && ttl > 0 ? ttl : DEFAULT_TTL_SECONDS };
}

