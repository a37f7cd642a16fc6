import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Config } from './schema.js';

/** The settings naming files the connector writes while it runs. */
const OUTPUT_PATH_SETTINGS = ['rejected_records_path', 'debug_log_path', 'dry_run_output_path'] as const;

/**
 * Why each configured output file cannot be written, checked without creating anything. A file
 * that fails only once data was sent would make every re-run send it again, so this runs first.
 */
export async function outputPathProblems(config: Config): Promise<string[]> {
  const problems: string[] = [];
  for (const setting of OUTPUT_PATH_SETTINGS) {
    const path = config[setting];
    if (path === undefined) continue;
    const problem = await writeProblem(path);
    if (problem) problems.push(`${setting}: cannot write ${path}: ${problem}`);
  }
  return problems;
}

/** Throws one ConfigError naming every output file that cannot be written. */
export async function assertOutputPathsWritable(config: Config): Promise<void> {
  const problems = await outputPathProblems(config);
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
}

async function writeProblem(path: string): Promise<string | undefined> {
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : error));
  if (existing instanceof Error) return reason(existing);
  if (existing) {
    if (existing.isDirectory()) return 'it is a folder';
    return access(path, constants.W_OK).then(() => undefined, (error: NodeJS.ErrnoException) => reason(error));
  }
  const folder = dirname(resolve(path));
  const parent = await stat(folder).catch((error: NodeJS.ErrnoException) => error);
  if (parent instanceof Error) return (parent as NodeJS.ErrnoException).code === 'ENOENT' ? `its folder ${folder} does not exist` : reason(parent);
  if (!parent.isDirectory()) return `${folder} is not a folder`;
  return access(folder, constants.W_OK | constants.X_OK).then(() => undefined, (error: NodeJS.ErrnoException) => `cannot create files in ${folder} (${reason(error)})`);
}

function reason(error: NodeJS.ErrnoException): string {
  if (error.code === 'EACCES' || error.code === 'EPERM') return 'permission denied';
  if (error.code === 'ENOTDIR') return 'a part of the path is not a folder';
  if (error.code === 'EROFS') return 'read-only file system';
  return error.code ?? 'unknown error';
}
