#!/usr/bin/env node
// Runs the Rokt simulator standalone:
//   node dist/src/simulator/cli.js [--port N] [--host 127.0.0.1] [--latency-ms N]
// Prints one JSON line to stdout: a connector config pointing at the simulator, ready to save and
// use as is (`… > sim-config.json`). Logs its URL and one line per request to stderr, and stops on
// SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { simulatorConnectorConfig } from './connector-config.js';
import { RoktSimulator, type RecordedRequest } from './server.js';

const USAGE = 'usage: node dist/src/simulator/cli.js [--port N] [--host 127.0.0.1] [--latency-ms N]';

interface CliOptions {
  port: number;
  host: string;
  latencyMs: number;
}

function parseCliOptions(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'latency-ms': { type: 'string', default: '0' },
    },
    strict: true,
  });
  return {
    port: parseWholeNumber(values.port, '--port', 65_535),
    host: values.host,
    latencyMs: parseWholeNumber(values['latency-ms'], '--latency-ms', Number.MAX_SAFE_INTEGER),
  };
}

function parseWholeNumber(text: string, flag: string, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > max) throw new Error(`${flag} must be a whole number from 0 to ${max} (got ${text})`);
  return value;
}

/** One human line per request, e.g. "10:15:02.123 #4 POST /v2/events 200 (3 events)". */
function describeRequest(request: RecordedRequest): string {
  const time = new Date().toISOString().slice(11, 23);
  return `${time} #${request.seq} ${request.method} ${request.path} ${request.status}${describeBody(request.body)}`;
}

function describeBody(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const fields = body as Record<string, unknown>;
  if (Array.isArray(fields.events)) return ` (${fields.events.length} events)`;
  for (const key of ['emails', 'sha256s'] as const) {
    const identifiers = fields[key];
    if (Array.isArray(identifiers)) return ` (${String(fields.action)} ${identifiers.length} ${key})`;
  }
  for (const key of ['email', 'sha256'] as const) {
    if (fields[key] !== undefined) return ` (${String(fields.action)} 1 ${key})`;
  }
  return '';
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCliOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const simulator = new RoktSimulator({ latencyMs: options.latencyMs });
  simulator.on('request', (request: RecordedRequest) => process.stderr.write(`${describeRequest(request)}\n`));
  const url = await simulator.start({ port: options.port, host: options.host });
  const { config, warning } = simulatorConnectorConfig({ host: options.host, port: Number(new URL(url).port), credentials: simulator.credentials });
  process.stdout.write(`${JSON.stringify(config)}\n`);
  process.stderr.write(
    `Rokt simulator listening on ${url}; Ctrl-C stops it. The JSON line on stdout is a connector config for it, to use as is: ` +
      `redirect stdout to a file (… > sim-config.json), then run: node dist/bin/destination-rokt.mjs check --config sim-config.json\n`,
  );
  if (warning) process.stderr.write(`Warning: ${warning}\n`);

  const shutDown = (signal: NodeJS.Signals): void => {
    process.stderr.write(`${signal}: stopping the Rokt simulator\n`);
    simulator.stop().catch((error: unknown) => {
      process.stderr.write(`failed to stop cleanly: ${String(error)}\n`);
      process.exitCode = 1;
    });
  };
  process.once('SIGINT', shutDown);
  process.once('SIGTERM', shutDown);
}

await main();
