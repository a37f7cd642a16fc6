// The HTTP client's own cost: client CPU per Event API request through the connector's HttpClient
// (got's stream interface, as shipped) and through bare node:http, posting the same 100-event
// bodies at the same concurrency to a server in another process. Rounds alternate the two clients
// so that machine noise hits both alike; the median round of each is reported.
// Usage: node dist/bench/http-cost.js '{"url":…,"concurrency":N,"requests":N,"rounds":N,…}' → one JSON line.

import { Agent, request } from 'node:http';
import { HttpClient } from '../src/rokt/http.js';
import { eventRequestBodies } from './gen.js';

interface CostOptions {
  url: string;
  concurrency: number;
  requests: number;
  rounds: number;
  accountId: string;
  publicKey: string;
  secretKey: string;
}

type Post = (body: Buffer) => Promise<number>;

const options = JSON.parse(process.argv[2] ?? '{}') as CostOptions;
const url = `${options.url}/v2/events`;
const bodies = eventRequestBodies({ count: 20, accountId: options.accountId }).map((body) => Buffer.from(body));
const headers = {
  Authorization: `Basic ${Buffer.from(`${options.publicKey}:${options.secretKey}`).toString('base64')}`,
  'Content-Type': 'application/json',
  'Rokt-Version': '2020-05-21',
  Accept: 'application/json',
};

const connectorClient = new HttpClient({ timeoutMs: 30_000, maxSockets: options.concurrency });
const viaGot: Post = async (body) => (await connectorClient.request({ method: 'POST', url, headers, body })).status;

const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
const viaNodeHttp: Post = (body) =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });

/** Client CPU (user + system µs) per request for `count` requests, `concurrency` in flight. */
async function cpuPerRequest(post: Post, count: number): Promise<number> {
  let next = 0;
  let failures = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < count) {
        const status = await post(bodies[next++ % bodies.length] as Buffer);
        if (status < 200 || status >= 300) failures += 1;
      }
    }),
  );
  const used = process.cpuUsage(before);
  if (failures > 0) throw new Error(`${failures} of ${count} requests failed`);
  return (used.user + used.system) / count;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

await cpuPerRequest(viaGot, 200); // warm-up: JIT, sockets
await cpuPerRequest(viaNodeHttp, 200);
const got: number[] = [];
const nodeHttp: number[] = [];
for (let round = 0; round < options.rounds; round += 1) {
  got.push(await cpuPerRequest(viaGot, options.requests));
  nodeHttp.push(await cpuPerRequest(viaNodeHttp, options.requests));
}
agent.destroy();
const averageBodyBytes = bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length;
process.stdout.write(JSON.stringify({ gotUsPerRequest: median(got), nodeHttpUsPerRequest: median(nodeHttp), got, nodeHttp, eventsPerRequest: 100, averageBodyBytes }) + '\n');
process.exit(0); // the connector's client keeps its keep-alive sockets open
