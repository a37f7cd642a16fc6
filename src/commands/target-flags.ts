import { suggestName } from '../config/suggest.js';
import type { ParsedArgs } from '../protocol/argv.js';

/** target-rokt's flags, in the order `--help` lists them. */
export const TARGET_FLAGS = [
  { flag: 'config', value: 'FILE', help: 'settings (JSON); repeat to merge several files, later wins. `ENV` is accepted: TARGET_ROKT_* variables are always read' },
  { flag: 'input', value: 'FILE', help: 'read Singer messages from FILE instead of stdin' },
  { flag: 'dry-run', help: 'do everything but call Rokt: requests go to dry_run_output_path (or stderr), no state is printed' },
  { flag: 'about', help: 'print the target’s description, capabilities and settings, then exit' },
  { flag: 'format', value: 'json|markdown', help: 'the --about format (default: text)' },
  { flag: 'version', help: 'print the version, then exit' },
  { flag: 'help', help: 'print this help, then exit (also -h)' },
] as const;

export function targetUsage(): string {
  const width = Math.max(...TARGET_FLAGS.map((entry) => flagText(entry).length));
  return [
    'Usage: target-rokt --config FILE [--input FILE] [--dry-run]',
    '       target-rokt --about [--format json|markdown] | --version | --help',
    '',
    'Singer target for Rokt: reads SCHEMA, RECORD, STATE, BATCH and ACTIVATE_VERSION messages, sends the',
    'records to Rokt, and prints each STATE value on stdout once Rokt has every record before it.',
    '',
    'Flags:',
    ...TARGET_FLAGS.map((entry) => `  ${flagText(entry).padEnd(width)}  ${entry.help}`),
  ].join('\n');
}

function flagText(entry: (typeof TARGET_FLAGS)[number]): string {
  return 'value' in entry ? `--${entry.flag} ${entry.value}` : `--${entry.flag}`;
}

export interface FlagProblems {
  /** A flag that looks like a known one (`--dryrun`): a config error, since ignoring it could turn a dry run into a real send. */
  typo?: { given: string; meant: string };
  /** Flags and arguments target-rokt does not know and that look like none it knows: ignored with a warning. */
  ignored: string[];
}

/** Checks the command line against TARGET_FLAGS. `-h` counts as `--help`. */
export function checkTargetFlags(args: ParsedArgs): FlagProblems {
  const known = TARGET_FLAGS.map((entry) => entry.flag as string);
  const ignored: string[] = [];
  for (const name of args.flags.keys()) {
    if (known.includes(name)) continue;
    const meant = suggestName(name, known);
    if (meant !== undefined) return { typo: { given: `--${name}`, meant: `--${meant}` }, ignored };
    ignored.push(`--${name}`);
  }
  for (const positional of args.positionals) if (positional !== '-h') ignored.push(positional);
  return { ignored };
}
