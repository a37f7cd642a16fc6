/** Flags that take a value; any other flag is a switch (so `--debug spec` stays the spec command). */
const VALUE_FLAGS = new Set(['config', 'catalog', 'state', 'input', 'format']);

/**
 * `command --flag value --flag=value --switch`. Unknown flags (e.g. the Python CDK's `--debug`)
 * are kept and ignored by commands that do not know them.
 */
export interface ParsedArgs {
  command?: string;
  /** The last value of each flag. */
  flags: Map<string, string | true>;
  /** Every value of a repeated flag, in order (e.g. several --config files). */
  repeated: Map<string, string[]>;
  positionals: string[];
}

export function parseFlags(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  const setValue = (name: string, value: string) => {
    flags.set(name, value);
    repeated.set(name, [...(repeated.get(name) ?? []), value]);
  };
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    if (equals > 0) {
      setValue(arg.slice(2, equals), arg.slice(equals + 1));
      continue;
    }
    const name = arg.slice(2);
    const next = argv[index + 1];
    if (VALUE_FLAGS.has(name) && next !== undefined && !next.startsWith('--')) {
      setValue(name, next);
      index += 1;
    } else {
      flags.set(name, true);
    }
  }
  return { command: positionals[0], flags, repeated, positionals };
}
