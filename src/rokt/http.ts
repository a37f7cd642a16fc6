import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { type Got } from 'got';

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A request that got no HTTP answer (reset, refused, timed out): always worth a retry. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * The only code that talks HTTP. Thin on purpose: no retries (the delivery layer owns them),
 * no status interpretation, keep-alive sockets shared across requests.
 */
export class HttpClient {
  private readonly got: Got;

  constructor(options: { timeoutMs: number; maxSockets: number }) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
    this.got = got.extend({
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      timeout: { request: options.timeoutMs },
      agent: { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) },
    });
  }

  async request(request: HttpRequest): Promise<ApiResponse> {
    try {
      const response = await this.got(request.url, { method: request.method, headers: request.headers, body: request.body });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      const code = (error as { code?: string }).code;
      // The URL is safe to print; headers and body are not (credentials, identifiers).
      throw new NetworkError(`${request.method} ${new URL(request.url).pathname} got no answer: ${code ?? (error as Error).message}`, code);
    }
  }
}

/** Joins a configured base URL (which may carry a path prefix) and an API path. */
export function endpoint(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}
