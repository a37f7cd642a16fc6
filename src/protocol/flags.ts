import { suggestName } from '../config/suggest.js';
import type { ParsedArgs } from './argv.js';

/** One flag a CLI knows, as `--help` lists it. */
export interface FlagSpec {
  readonly flag: string;
  readonly value?: string;
  readonly help: string;
}

export interface FlagProblems {
  /** A flag or argument that looks like a known flag (`--dryrun`, `-dry-run`): ignoring it could turn a dry run into a real send. */
  typo?: { given: string; meant: string };
  /** Flags and arguments that look like none the CLI knows: ignored, with a warning. */
  ignored: string[];
}

/** The `--help` table: one aligned line per flag. */
export function flagLines(flags: readonly FlagSpec[]): string[] {
  const text = (entry: FlagSpec) => (entry.value ? `--${entry.flag} ${entry.value}` : `--${entry.flag}`);
  const width = Math.max(...flags.map((entry) => text(entry).length));
  return flags.map((entry) => `  ${text(entry).padEnd(width)}  ${entry.help}`);
}

/**
 * Checks the parsed flags, and the plain `arguments` (a single-dash `-dry-run` is not a flag to the
 * parser, so it must not be dropped silently either), against the known flags. `tolerated` flags
 * are accepted and ignored without a word (other tools pass them).
 */
export function checkFlags(args: ParsedArgs, options: { flags: readonly FlagSpec[]; tolerated?: readonly string[]; arguments: readonly string[] }): FlagProblems {
  const known = options.flags.map((entry) => entry.flag);
  const ignored: string[] = [];
  for (const name of args.flags.keys()) {
    if (known.includes(name) || options.tolerated?.includes(name)) continue;
    const meant = suggestName(name, known);
    if (meant !== undefined) return { typo: { given: `--${name}`, meant: `--${meant}` }, ignored };
    ignored.push(`--${name}`);
  }
  for (const argument of options.arguments) {
    if (argument === '-h') continue;
    const meant = suggestName(argument, known);
    if (meant !== undefined) return { typo: { given: argument, meant: `--${meant}` }, ignored };
    ignored.push(argument);
  }
  return { ignored };
}
