import { appendFileSync } from 'node:fs';
import { audienceImport, type AudienceTransport } from './audience-api.js';
import type { EventsTransport } from './events-api.js';
import { endpoint, type ApiResponse } from './http.js';

const ACCEPTED: ApiResponse = { status: 200, headers: {}, body: '' };

/** Where a dry run puts the requests it would have sent: a JSONL file, or stderr. */
export class DryRunSink {
  requests = 0;

  constructor(private readonly path: string | undefined) {}

  write(request: { method: string; url: string; body: unknown }): void {
    this.requests += 1;
    const line = JSON.stringify({ dry_run: true, ...request }) + '\n';
    if (this.path) appendFileSync(this.path, line);
    else process.stderr.write(line);
  }
}

/** Transports that record the exact bodies and answer "accepted" without opening a connection. */
export function dryRunTransports(options: {
  sink: DryRunSink;
  eventsVersion: 'v1' | 'v2';
  audienceVersion: 'v3' | '1.0';
  apiUrl: string;
  audienceApiUrl: string;
  accountId: string;
}): { events: EventsTransport; audiences: AudienceTransport } {
  const { sink } = options;
  return {
    events: {
      version: options.eventsVersion,
      conflictMeansDelivered: false,
      send: async (body) => {
        sink.write({ method: 'POST', url: endpoint(options.apiUrl, `/${options.eventsVersion}/events`), body: JSON.parse(body.toString()) });
        return ACCEPTED;
      },
    },
    audiences: {
      version: options.audienceVersion,
      send: async (request) => {
        const { url, body } = audienceImport({ version: options.audienceVersion, audienceApiUrl: options.audienceApiUrl, accountId: options.accountId }, request);
        sink.write({ method: 'POST', url, body: JSON.parse(body) });
        return ACCEPTED;
      },
      authCheck: async () => ACCEPTED,
    },
  };
}
