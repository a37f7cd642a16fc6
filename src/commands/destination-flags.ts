import { suggestName } from '../config/suggest.js';
import type { ParsedArgs } from '../protocol/argv.js';

export const COMMAND_NAMES = ['spec', 'check', 'discover', 'write'] as const;

/** destination-rokt's flags, in the order `--help` lists them. */
export const DESTINATION_FLAGS = [
  { flag: 'config', value: 'FILE', help: 'the connector config (JSON): check, discover, write' },
  { flag: 'catalog', value: 'FILE', help: 'write: the configured catalog (JSON); optional when config `streams` bindings route every stream' },
  { flag: 'dry-run', help: 'write: do everything but call Rokt; request bodies go to dry_run_output_path (or stderr), no STATE is echoed' },
  { flag: 'help', help: 'print this help, then exit (also -h and the command `help`)' },
] as const;

/** Flags other tools pass that the connector accepts and ignores (the Python CDK's `--debug`, a source's `--state`). */
const TOLERATED_FLAGS = ['debug', 'state'];

export function destinationUsage(): string {
  const width = Math.max(...DESTINATION_FLAGS.map((entry) => flagText(entry).length));
  return [
    'Usage: destination-rokt spec',
    '       destination-rokt check --config FILE',
    '       destination-rokt discover --config FILE',
    '       destination-rokt write --config FILE [--catalog FILE] [--dry-run] < messages.jsonl',
    '       destination-rokt help | --help | -h',
    '',
    'Airbyte destination for Rokt. spec prints the SPEC; check verifies the config and calls Rokt with every',
    'credential set (CONNECTION_STATUS); discover prints the data-activation catalog; write reads Airbyte',
    'messages on stdin, sends the records to Rokt and echoes each STATE once Rokt has every record before it.',
    '',
    'Flags:',
    ...DESTINATION_FLAGS.map((entry) => `  ${flagText(entry).padEnd(width)}  ${entry.help}`),
    '',
    'Unknown flags (e.g. --debug) are ignored; one that looks like a known flag (--dryrun) is an error.',
  ].join('\n');
}

function flagText(entry: (typeof DESTINATION_FLAGS)[number]): string {
  return 'value' in entry ? `--${entry.flag} ${entry.value}` : `--${entry.flag}`;
}

export function wantsHelp(args: ParsedArgs): boolean {
  return args.command === 'help' || args.flags.has('help') || args.positionals.includes('-h');
}

export interface FlagProblems {
  /** A flag or argument that looks like a known flag (`--dryrun`, `-dry-run`): ignoring it could turn a dry run into a real send. */
  typo?: { given: string; meant: string };
  /** Flags and arguments that look like none the connector knows: ignored. */
  ignored: string[];
}

/** Checks everything after the command against DESTINATION_FLAGS. */
export function checkDestinationFlags(args: ParsedArgs): FlagProblems {
  const known = DESTINATION_FLAGS.map((entry) => entry.flag as string);
  const ignored: string[] = [];
  for (const name of args.flags.keys()) {
    if (known.includes(name) || TOLERATED_FLAGS.includes(name)) continue;
    const meant = suggestName(name, known);
    if (meant !== undefined) return { typo: { given: `--${name}`, meant: `--${meant}` }, ignored };
    ignored.push(`--${name}`);
  }
  // A single-dash `-dry-run` is not a flag to the parser: it must not be silently dropped either.
  for (const argument of args.positionals.slice(1)) {
    if (argument === '-h') continue;
    const meant = suggestName(argument, known);
    if (meant !== undefined) return { typo: { given: argument, meant: `--${meant}` }, ignored };
    ignored.push(argument);
  }
  return { ignored };
}
