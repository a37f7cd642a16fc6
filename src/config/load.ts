import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

/** Reads a JSON file named on the command line; every failure is a ConfigError naming the file. */
export async function readJsonFile(path: string | undefined, what: string): Promise<unknown> {
  if (!path) throw new ConfigError(`Missing --${what} FILE`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`Cannot read the ${what} file ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? String(error)}`);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(`The ${what} file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** One readable line per zod issue, e.g. `streams.orders.object: Invalid option`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issueMessage(issue)}`).join('; ');
}

/** zod wraps a refused record key as "Invalid key in record"; the inner issue says why. */
function issueMessage(issue: z.core.$ZodIssue): string {
  const inner = 'issues' in issue && Array.isArray(issue.issues) ? (issue.issues as z.core.$ZodIssue[])[0] : undefined;
  return issue.code === 'invalid_key' && inner ? inner.message : issue.message;
}

export function parseConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`Invalid config: ${formatIssues(result.error)}`);
  return result.data;
}

/** `dryRun`: the --dry-run flag, which turns dry_run on whatever the file says. */
export async function loadConfig(path: string | undefined, options: { dryRun?: boolean } = {}): Promise<Config> {
  const config = parseConfig(await readJsonFile(path, 'config'));
  return options.dryRun ? { ...config, dry_run: true } : config;
}
