#!/usr/bin/env -S node --max-semi-space-size=8 --expose-gc
/**
 * `destination-rokt`: the Airbyte destination entrypoint (spec, check, discover, write).
 * Commands are loaded lazily so `spec` starts fast; every failure becomes a TRACE ERROR and a
 * non-zero exit code in one place.
 */
import { exitWhenDone } from './exit.js';
import { describeFailure, ConfigError } from './errors.js';
import { AirbyteOutput } from './protocol/airbyte-output.js';
import { parseFlags } from './protocol/argv.js';
import { LineWriter } from './protocol/writer.js';
import type { CommandContext } from './commands/context.js';

const COMMANDS: Record<string, () => Promise<(context: CommandContext) => Promise<void>>> = {
  spec: async () => (await import('./commands/spec.js')).runSpec,
  check: async () => (await import('./commands/check.js')).runCheck,
  discover: async () => (await import('./commands/discover.js')).runDiscover,
  write: async () => (await import('./commands/write.js')).runWrite,
};

const USAGE = 'Usage: destination-rokt spec | check --config FILE | discover --config FILE | write --config FILE --catalog FILE < messages.jsonl';

async function main(argv: string[]): Promise<number> {
  const output = new AirbyteOutput(new LineWriter(process.stdout));
  const { command, flags } = parseFlags(argv);
  try {
    const load = command ? COMMANDS[command] : undefined;
    if (!load) throw new ConfigError(command ? `Unknown command "${command}". ${USAGE}` : USAGE);
    const run = await load();
    await run({ flags, output, stdin: process.stdin });
    await output.flushed();
    return 0;
  } catch (error) {
    const failure = describeFailure(error);
    const internal = failure.failureType === 'system_error' && error instanceof Error ? error.stack : undefined;
    await output.log('ERROR', failure.message);
    await output.traceError(failure, internal);
    await output.flushed();
    return failure.exitCode;
  }
}

exitWhenDone(main(process.argv.slice(2)), 'destination-rokt');
