/**
 * `npm run demo`: a real `write` (and `check`, `discover`) against the built-in Rokt simulator,
 * offline. Prints what the connector printed and what "Rokt" received.
 */
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RoktSimulator } from './simulator/server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The shipped bundle, run through its #! line as the Docker image runs it. */
const cli = join(root, 'dist/bin/destination-rokt.mjs');

function run(args: string[], stdinFile?: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { stdio: [stdinFile ? 'pipe' : 'ignore', 'pipe', 'inherit'] });
    if (stdinFile && child.stdin) createReadStream(stdinFile).pipe(child.stdin);
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(out.split('\n').filter(Boolean)));
  });
}

function show(title: string, lines: string[]): void {
  console.log(`\n=== ${title}`);
  for (const line of lines) {
    const message = JSON.parse(line);
    if (message.type === 'LOG') console.log(`  LOG ${message.log.level}: ${message.log.message}`);
    else if (message.type === 'CONNECTION_STATUS') console.log(`  CONNECTION_STATUS ${message.connectionStatus.status}: ${message.connectionStatus.message}`);
    else if (message.type === 'DESTINATION_CATALOG') console.log(`  DESTINATION_CATALOG: ${message.destination_catalog.operations.map((op: { object_name: string; sync_mode: string }) => `${op.object_name}/${op.sync_mode}`).join(', ')}`);
    else console.log(`  ${line}`);
  }
}

const sim = new RoktSimulator();
const url = await sim.start();
const dir = mkdtempSync(join(tmpdir(), 'rokt-demo-'));
const c = sim.credentials;
const config = { account_id: c.accountId, app_id: c.appId, app_secret: c.appSecret, public_key: c.publicKey, secret_key: c.secretKey, api_url: url, audience_api_url: url };
const configPath = join(dir, 'config.json');
writeFileSync(configPath, JSON.stringify(config, null, 2));
const badConfigPath = join(dir, 'bad-config.json');
writeFileSync(badConfigPath, JSON.stringify({ ...config, app_secret: 'not-the-secret' }));
console.log(`Rokt simulator listening on ${url}; config in ${configPath}`);

show('check (good credentials)', await run(['check', '--config', configPath]));
show('check (wrong app_secret)', await run(['check', '--config', badConfigPath]));
show('discover', await run(['discover', '--config', configPath]));
show('write --catalog catalog.sample.json < examples/data.jsonl', await run(['write', '--config', configPath, '--catalog', join(root, 'catalog.sample.json')], join(root, 'examples/data.jsonl')));

console.log('\n=== What the simulator (Rokt) received');
for (const request of sim.requests) console.log(`  #${request.seq} ${request.method} ${request.path} -> ${request.status}`);
for (const event of sim.acceptedEvents) console.log(`  event ${event.clientEventId}: ${JSON.stringify(event.event.objectData)}`);
for (const op of sim.audienceOps) console.log(`  audience "${op.list}" ${op.action} ${op.key}: ${op.identifiers.length} identifier(s)`);

// The same input through Rokt's Event and Audience API (mParticle server-to-server): only its key and secret.
const firstMparticleRequest = sim.requests.length;
const mparticleConfigPath = join(dir, 'mparticle-config.json');
writeFileSync(mparticleConfigPath, JSON.stringify({ mparticle_api_key: sim.mparticle.credentials.apiKey, mparticle_api_secret: sim.mparticle.credentials.apiSecret, mparticle_url: url }, null, 2));
show('check (Event and Audience API)', await run(['check', '--config', mparticleConfigPath]));
show('write through the Event and Audience API < examples/data.jsonl', await run(['write', '--config', mparticleConfigPath, '--catalog', join(root, 'catalog.sample.json')], join(root, 'examples/data.jsonl')));
console.log('\n=== What the simulator (Event and Audience API, /v2/bulkevents) received');
for (const request of sim.requests.slice(firstMparticleRequest)) console.log(`  #${request.seq} ${request.method} ${request.path} -> ${request.status}`);
for (const { batch } of sim.mparticle.accepted) {
  const data = (batch.events as { data: { event_name: string; source_message_id: string; custom_attributes?: unknown } }[])[0]?.data;
  console.log(`  batch: ${data?.event_name} ${data?.source_message_id}: identities ${JSON.stringify(batch.user_identities)}, attributes ${JSON.stringify(data?.custom_attributes)}`);
}
await sim.stop();
