#!/usr/bin/env -S node --max-semi-space-size=8 --expose-gc
/**
 * `destination-rokt`: the Airbyte destination entrypoint (spec, check, discover, write).
 * Commands are loaded lazily so `spec` starts fast; every failure becomes a TRACE ERROR and a
 * non-zero exit code in one place.
 */
import { exitWhenDone } from './exit.js';
import { describeFailure, ConfigError } from './errors.js';
import { checkDestinationFlags, destinationUsage, wantsHelp } from './commands/destination-flags.js';
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

const SEE_HELP = 'destination-rokt --help lists the commands and flags';

async function main(argv: string[]): Promise<number> {
  const args = parseFlags(argv);
  if (wantsHelp(args)) {
    // Asked for by a person: plain text, not a protocol message.
    process.stdout.write(destinationUsage() + '\n');
    return 0;
  }
  const output = new AirbyteOutput(new LineWriter(process.stdout));
  const { command, flags } = args;
  try {
    const load = command && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw new ConfigError(command ? `Unknown command "${command}" (${SEE_HELP})` : `No command given (${SEE_HELP})`);
    const problems = checkDestinationFlags(args);
    if (problems.typo) throw new ConfigError(`Unknown flag ${problems.typo.given}: did you mean ${problems.typo.meant}? (${SEE_HELP})`);
    if (problems.ignored.length > 0) await output.log('WARN', `Ignored, destination-rokt does not know: ${problems.ignored.join(' ')} (${SEE_HELP})`);
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
