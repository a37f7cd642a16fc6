// Measures what the simulator can take at zero latency: a lean node:http client (in its own
// process) posts pre-built request bodies at a fixed concurrency for a fixed time.
// Usage: node dist/bench/sim-load.js '{"url":…,"kind":"events"|"audiences",…}' → one JSON line.

import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { eventRequestBodies } from './gen.js';

interface LoadOptions {
  url: string;
  kind: 'events' | 'audiences';
  concurrency: number;
  durationMs: number;
  accountId: string;
  publicKey: string;
  secretKey: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function audienceBodies(count: number): string[] {
  const bodies: string[] = [];
  for (let b = 0; b < count; b += 1) {
    const ids = Array.from({ length: 10000 }, (_, i) => sha256(`load${b}-${i}@example.com`));
    bodies.push(JSON.stringify({ accountId: options.accountId, action: 'include', list: 'LoadTest', sha256s: ids }));
  }
  return bodies;
}

const bodies = options.kind === 'events' ? eventRequestBodies({ count: 20, accountId: options.accountId }) : audienceBodies(4);
const itemsPerBody = options.kind === 'events' ? 100 : 10000;
const path = options.kind === 'events' ? '/v2/events' : '/v3/import/suppression';
const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
const headers = {
  Authorization: `Basic ${Buffer.from(`${options.publicKey}:${options.secretKey}`).toString('base64')}`,
  'Content-Type': 'application/json',
  'Rokt-Version': '2020-05-21',
  Accept: 'application/json',
};

function post(body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${options.url}${path}`, { method: 'POST', agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const startedAt = performance.now();
const deadline = startedAt + options.durationMs;
let requests = 0;
let failures = 0;
let next = 0;

async function worker(): Promise<void> {
  while (performance.now() < deadline) {
    const status = await post(bodies[next++ % bodies.length] as string);
    if (status >= 200 && status < 300) requests += 1;
    else failures += 1;
  }
}

await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
const elapsedMs = performance.now() - startedAt;
agent.destroy();
process.stdout.write(JSON.stringify({ kind: options.kind, requests, failures, items: requests * itemsPerBody, elapsedMs, itemsPerSecond: (requests * itemsPerBody * 1000) / elapsedMs }) + '\n');
