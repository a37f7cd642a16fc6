import type { ParsedArgs } from '../protocol/argv.js';
import { checkFlags, flagLines, type FlagProblems, type FlagSpec } from '../protocol/flags.js';

export const COMMAND_NAMES = ['spec', 'check', 'discover', 'write'] as const;

/** destination-rokt's flags, in the order `--help` lists them. */
export const DESTINATION_FLAGS: readonly FlagSpec[] = [
  { flag: 'config', value: 'FILE', help: 'the connector config (JSON): check, discover, write' },
  { flag: 'catalog', value: 'FILE', help: 'write: the configured catalog (JSON); optional when config `streams` bindings route every stream' },
  { flag: 'dry-run', help: 'write: do everything but call Rokt; request bodies go to dry_run_output_path (or stderr), no STATE is echoed' },
  { flag: 'help', help: 'print this help, then exit (also -h and the command `help`)' },
];

/** Flags other tools pass that the connector accepts and ignores (the Python CDK's `--debug`, a source's `--state`). */
const TOLERATED_FLAGS = ['debug', 'state'];

export function destinationUsage(): string {
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
    ...flagLines(DESTINATION_FLAGS),
    '',
    'Unknown flags (e.g. --debug) are ignored; one that looks like a known flag (--dryrun) is an error.',
  ].join('\n');
}

export function wantsHelp(args: ParsedArgs): boolean {
  return args.command === 'help' || args.flags.has('help') || args.positionals.includes('-h');
}

/** Checks everything after the command against DESTINATION_FLAGS. */
export function checkDestinationFlags(args: ParsedArgs): FlagProblems {
  return checkFlags(args, { flags: DESTINATION_FLAGS, tolerated: TOLERATED_FLAGS, arguments: args.positionals.slice(1) });
}
