#!/usr/bin/env -S node --max-semi-space-size=8 --expose-gc
/**
 * `target-rokt`: the Singer target for Meltano. Reads SCHEMA/RECORD/STATE lines from stdin (or
 * --input FILE), writes through the same engine as the Airbyte destination, and prints each STATE
 * value on stdout once Rokt has every record before it. Logs go to stderr.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { exitWhenDone } from './exit.js';
import { flagValue } from './commands/context.js';
import { describeFailure, InputError } from './errors.js';
import { parseFlags } from './protocol/argv.js';
import { Redactor } from './protocol/redact.js';
import { stderrLogger } from './protocol/singer-output.js';
import { LineWriter } from './protocol/writer.js';

async function main(argv: string[]): Promise<number> {
  let redactor = Redactor.none;
  const log = stderrLogger(() => redactor);
  const { flags, repeated } = parseFlags(argv);
  try {
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
    const input: Readable = inputPath ? createReadStream(inputPath) : process.stdin;
    await runSinger({
      configPaths: repeated.get('config') ?? [],
      input,
      writer: new LineWriter(process.stdout),
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
  }
}

exitWhenDone(main(process.argv.slice(2)), 'target-rokt');
