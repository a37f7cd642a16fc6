import type { ParsedArgs } from '../protocol/argv.js';
import { checkFlags, flagLines, type FlagProblems, type FlagSpec } from '../protocol/flags.js';

/** target-rokt's flags, in the order `--help` lists them. */
export const TARGET_FLAGS: readonly FlagSpec[] = [
  { flag: 'config', value: 'FILE', help: 'settings (JSON); repeat to merge several files, later wins. `ENV` is accepted: TARGET_ROKT_* variables are always read' },
  { flag: 'input', value: 'FILE', help: 'read Singer messages from FILE instead of stdin' },
  { flag: 'dry-run', help: 'do everything but call Rokt: requests go to dry_run_output_path (or stderr), no state is printed' },
  { flag: 'about', help: 'print the target’s description, capabilities and settings, then exit' },
  { flag: 'format', value: 'json|markdown', help: 'the --about format (default: text)' },
  { flag: 'version', help: 'print the version, then exit' },
  { flag: 'help', help: 'print this help, then exit (also -h)' },
];

export function targetUsage(): string {
  return [
    'Usage: target-rokt --config FILE [--input FILE] [--dry-run]',
    '       target-rokt --about [--format json|markdown] | --version | --help',
    '',
    'Singer target for Rokt: reads SCHEMA, RECORD, STATE, BATCH and ACTIVATE_VERSION messages, sends the',
    'records to Rokt, and prints each STATE value on stdout once Rokt has every record before it.',
    '',
    'Flags:',
    ...flagLines(TARGET_FLAGS),
  ].join('\n');
}

/** Checks the command line against TARGET_FLAGS. `-h` counts as `--help`. */
export function checkTargetFlags(args: ParsedArgs): FlagProblems {
  return checkFlags(args, { flags: TARGET_FLAGS, arguments: args.positionals });
}
