import { appendFileSync, renameSync, statSync } from 'node:fs';
import { isObject } from '../protocol/json.js';
import type { Redactor } from '../protocol/redact.js';
import { exchangeContext } from './exchange-context.js';
import type { Exchange } from './http.js';

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const TOKEN_FIELDS = new Set(['access_token', 'Access_token', 'refresh_token']);

/**
 * The API-call debugger: one JSON line per HTTP exchange with Rokt. Credentials are redacted,
 * identifiers in bodies are hashed even when hash_pii is off, and the file is rotated to `<path>.1`
 * when it reaches its size limit. Writes are synchronous so a crash loses no line.
 */
export class DebugLog {
  private bytes: number;

  /** `redactBody`: hashes the identifiers of a parsed body (the API families declare theirs). */
  constructor(private readonly options: { path: string; maxBytes: number; redactor: Redactor; redactBody: (body: unknown) => unknown }) {
    try {
      this.bytes = statSync(options.path).size;
    } catch {
      this.bytes = 0;
    }
  }

  /** JSON bodies with identifiers hashed and tokens removed; other bodies as text. */
  private redactBody(encoded: string | Buffer | undefined): unknown {
    const body = encoded?.toString();
    if (body === undefined || body === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.slice(0, 10_000);
    }
    return this.options.redactBody(withoutTokens(parsed));
  }

  record(exchange: Exchange): void {
    const context = exchangeContext.getStore();
    const entry = {
      time: new Date(exchange.startedAt).toISOString(),
      method: exchange.request.method,
      url: exchange.request.url,
      attempt: context?.attempt ?? 1,
      records: context?.records ?? {},
      status: exchange.response?.status ?? null,
      error: exchange.error,
      duration_ms: exchange.durationMs,
      request: { headers: redactHeaders(exchange.request.headers), body: this.redactBody(exchange.request.body) },
      response: exchange.response ? { headers: redactHeaders(exchange.response.headers), body: this.redactBody(exchange.response.body) } : undefined,
    };
    const line = this.options.redactor.redact(JSON.stringify(entry)) + '\n';
    if (this.bytes > 0 && this.bytes + line.length > this.options.maxBytes) {
      renameSync(this.options.path, `${this.options.path}.1`);
      this.bytes = 0;
    }
    appendFileSync(this.options.path, line);
    this.bytes += Buffer.byteLength(line);
  }
}

function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!CREDENTIAL_HEADERS.has(name.toLowerCase())) result[name] = value;
    else result[name] = typeof value === 'string' && value.includes(' ') ? `${value.split(' ')[0]} [redacted]` : '[redacted]';
  }
  return result;
}

/** Tokens anywhere in a body are removed. */
function withoutTokens(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTokens);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, TOKEN_FIELDS.has(key) ? '[redacted]' : withoutTokens(inner)]));
}
