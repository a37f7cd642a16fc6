#!/usr/bin/env -S node --max-semi-space-size=8 --expose-gc
/**
 * `target-rokt`: the Singer target for Meltano. Reads SCHEMA/RECORD/STATE lines from stdin (or
 * --input FILE), writes through the same engine as the Airbyte destination, and prints each STATE
 * value on stdout once Rokt has every record before it. Logs go to stderr.
 */
import { exitWhenDone } from './exit.js';
import { flagValue } from './commands/context.js';
import { openInputFile } from './commands/input-file.js';
import { checkTargetFlags, targetUsage } from './commands/target-flags.js';
import { ConfigError, describeFailure, InputError } from './errors.js';
import { parseFlags } from './protocol/argv.js';
import { Redactor } from './protocol/redact.js';
import { stderrLogger } from './protocol/singer-output.js';
import { LineWriter } from './protocol/writer.js';

async function main(argv: string[]): Promise<number> {
  let redactor = Redactor.none;
  const log = stderrLogger(() => redactor);
  const args = parseFlags(argv);
  const { flags, repeated } = args;
  const writer = new LineWriter(process.stdout);
  try {
    if (flags.has('help') || args.positionals.includes('-h')) {
      process.stdout.write(targetUsage() + '\n');
      return 0;
    }
    const problems = checkTargetFlags(args);
    if (problems.typo) throw new ConfigError(`Unknown flag ${problems.typo.given}: did you mean ${problems.typo.meant}? (target-rokt --help lists the flags)`);
    if (problems.ignored.length > 0) log('WARN', `Ignored, target-rokt does not know: ${problems.ignored.join(' ')} (target-rokt --help lists the flags)`);
    const about = await import('./commands/about.js');
    if (flags.has('version')) {
      process.stdout.write(`${about.TARGET_NAME} v${about.packageVersion()}\n`);
      return 0;
    }
    if (flags.has('about')) {
      process.stdout.write(about.about(flagValue(flags, 'format')) + '\n');
      return 0;
    }
    const { runSinger } = await import('./commands/singer.js');
    const inputPath = flagValue(flags, 'input');
    if (flags.has('input') && inputPath === undefined) throw new ConfigError('--input needs a FILE');
    await runSinger({
      configPaths: repeated.get('config') ?? [],
      input: inputPath === undefined ? process.stdin : openInputFile(inputPath),
      writer,
      log,
      setRedactor: (next) => (redactor = next),
      env: process.env,
      dryRun: flags.has('dry-run'),
    });
    return 0;
  } catch (error) {
    const failure = describeFailure(error);
    log('CRITICAL', `${failure.message} (${failure.failureType})`);
    // A bug's stack helps; an input problem's message already says everything.
    if (failure.failureType === 'system_error' && error instanceof Error && !(error instanceof InputError)) log('DEBUG', error.stack ?? '');
    return failure.exitCode;
  } finally {
    // Every state already released must reach stdout, on every exit path: process.exit drops
    // whatever is still queued for a pipe.
    await writer.flushed();
    await drained(process.stdout);
  }
}

/** Resolves once everything written to `stream` so far has been handed to the OS (or the stream is gone). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

exitWhenDone(main(process.argv.slice(2)), 'target-rokt');
