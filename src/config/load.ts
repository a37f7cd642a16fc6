import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { findJsonSyntaxProblem } from '../protocol/json-scan.js';
import { normalizeBindingsForm } from './bindings-form.js';
import { describeIssue, describeIssueWithoutInput } from './issues.js';
import { configSchema, CONFIG_KEY_SHAPE, type Config } from './schema.js';
import { findUnknownKeys } from './unknown-keys.js';

/** Reads a JSON file named on the command line; every failure is a ConfigError naming the file. */
export async function readJsonFile(path: string | undefined, what: string): Promise<unknown> {
  if (!path) throw new ConfigError(`Missing --${what} FILE`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`Cannot read the ${what} file ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (code ?? 'unknown error')}`);
  }
  const json = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(json);
  } catch {
    // JSON.parse's message quotes the bytes near the error, which may be a secret: say where and why only.
    throw new ConfigError(`The ${what} file ${path} is not valid JSON: ${describeJsonProblem(json)}`);
  }
}

/** `line 3, column 14: <kind>`, never the text itself. */
function describeJsonProblem(text: string): string {
  const problem = findJsonSyntaxProblem(text);
  if (!problem) return 'invalid JSON';
  const before = text.slice(0, problem.column - 1);
  const line = before.split('\n').length;
  const column = problem.column - before.lastIndexOf('\n') - 1;
  return `line ${line}, column ${column}: ${problem.kind}`;
}

/** One readable sentence per zod issue, e.g. `catalog.streams.0.stream.name: is required`, for documents other than the config. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => describeIssueWithoutInput(issue)).join('; ');
}

export interface ParseOptions {
  /** Told about keys the connector does not know and ignores (a key that looks like a known one is an error instead). */
  onWarning?: (message: string) => void;
}

/**
 * Validates a config (either form of `streams`) and fills in defaults. Every problem is named in
 * one ConfigError: invalid values, and unknown keys that look like known ones ("did you mean …?").
 */
export function parseConfig(raw: unknown, options: ParseOptions = {}): Config {
  const normalized = normalizeBindingsForm(raw).config;
  const result = configSchema.safeParse(normalized);
  const unknown = findUnknownKeys({ normalized, raw, shape: CONFIG_KEY_SHAPE });
  const problems = [...(result.success ? [] : result.error.issues.map((issue) => describeIssue(issue, { raw, normalized }))), ...unknown.errors];
  // Failing anyway: the ignored keys may explain the problem (`feild` next to "field: is required").
  if (problems.length > 0 || !result.success) throw new ConfigError(`Invalid config: ${[...problems, ...unknown.warnings].join('; ')}`);
  for (const warning of unknown.warnings) options.onWarning?.(`Config ${warning}`);
  return result.data;
}

/** `dryRun`: the --dry-run flag, which turns dry_run on whatever the file says. */
export async function loadConfig(path: string | undefined, options: ParseOptions & { dryRun?: boolean } = {}): Promise<Config> {
  const config = parseConfig(await readJsonFile(path, 'config'), options);
  return options.dryRun ? { ...config, dry_run: true } : config;
}
