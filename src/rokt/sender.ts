import type { DryRunSink } from './dry-run.js';
import type { ApiResponse, HttpClient, HttpRequest } from './http.js';

/**
 * Sends one request: over HTTP, or in a dry run to the dry-run sink, which records the exact body
 * and answers "accepted" without opening a connection. Families send every data request through
 * this, so a dry run covers each of them the same way.
 */
export interface Sender {
  readonly dryRun: boolean;
  send(request: HttpRequest): Promise<ApiResponse>;
}

export function httpSender(http: HttpClient): Sender {
  return { dryRun: false, send: (request) => http.request(request) };
}

const ACCEPTED: ApiResponse = { status: 200, headers: {}, body: '' };

export function dryRunSender(sink: DryRunSink): Sender {
  return {
    dryRun: true,
    send: async (request) => {
      const text = request.body?.toString();
      sink.write({ method: request.method, url: request.url, body: text === undefined ? undefined : JSON.parse(text) });
      return ACCEPTED;
    },
  };
}
