import { appendFileSync } from 'node:fs';

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
